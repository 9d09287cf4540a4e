"""Checks exported ONNX files with the ONNX reference tooling (not in CI; needs Debian's python3-onnx):

    npx tsx packages/efficientnet/scripts/export-onnx.ts /tmp/onnx && /usr/bin/python3 packages/efficientnet/scripts/check_onnx.py /tmp/onnx/*.onnx

For every file: onnx.checker.check_model(full_check=True) (schema, opset, topological order and
strict shape inference), then prints the inputs, outputs with their inferred shapes, and op counts.
"""
import collections
import sys

import onnx


def dims(value):
    return [d.dim_param or d.dim_value or '?' for d in value.type.tensor_type.shape.dim]


def main(paths):
    if not paths:
        print(__doc__)
        return 2
    for path in paths:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
        ops = collections.Counter(node.op_type for node in model.graph.node)
        print(f'ok {path}: IR {model.ir_version}, opset {[o.version for o in model.opset_import]}, '
              f'inputs {[(i.name, dims(i)) for i in inferred.graph.input]}, outputs {[(o.name, dims(o)) for o in inferred.graph.output]}, '
              f'ops {dict(ops)}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
