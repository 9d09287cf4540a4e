import onnxProto from 'onnx-proto';

/** The generated ONNX protobuf classes (onnx.proto, through `onnx-proto` on protobufjs). */
export const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;

/** Operator set the exporter writes (every op it uses exists unchanged since opset 13). */
export const ONNX_OPSET = 13;
/** IR version that goes with opset 13. */
export const ONNX_IR_VERSION = 7;

/** An attribute value: an integer, a float, or a list of integers. */
export type AttributeValue = number | readonly number[] | { float: number };

function attribute(name: string, value: AttributeValue): AttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: [...value] };
  return { name, type: AttributeType.FLOAT, f: (value as { float: number }).float };
}

/** Float32 values as little-endian bytes (TensorProto `raw_data` is little-endian on every host). */
export function littleEndianBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return bytes;
}

/**
 * An ONNX graph under construction: nodes in topological order (the order they are added) and
 * float32 initializers. Names are generated from a prefix plus a counter, so they never clash.
 */
export class OnnxGraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private counter = 0;

  /** A unique value name starting with `prefix`. */
  name(prefix: string): string {
    return `${prefix}:${this.counter++}`;
  }

  /** Adds a float32 initializer and returns its name. */
  constant(prefix: string, dims: readonly number[], values: Float32Array): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (values.length !== expected)
      throw new RangeError(`ONNX initializer ${prefix}: ${values.length} values for dims [${dims.join(', ')}]`);
    const name = this.name(prefix);
    this.initializers.push({
      name,
      dims: [...dims],
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: littleEndianBytes(values),
    });
    return name;
  }

  /**
   * Adds a node with one output and returns the output's name (`output` when given, else a
   * generated one from the op type).
   */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    output?: string,
  ): string {
    const out = output ?? this.name(opType);
    this.nodes.push({
      opType,
      name: this.name(`${opType}_node`),
      input: [...inputs],
      output: [out],
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return out;
  }
}

/** A graph input or output: float32 with the given dims (a number, a symbolic name, or `null` for unknown). */
export function floatValueInfo(
  name: string,
  dims: readonly (number | string | null)[],
): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: {
          dim: dims.map((dim) =>
            typeof dim === 'number' ? { dimValue: dim } : typeof dim === 'string' ? { dimParam: dim } : {},
          ),
        },
      },
    },
  };
}

/** Serialises a model (opset 13, IR 7) to bytes. */
export function encodeModel(fields: {
  graphName: string;
  builder: OnnxGraphBuilder;
  inputs: onnxProto.onnx.IValueInfoProto[];
  outputs: onnxProto.onnx.IValueInfoProto[];
  docString: string;
  metadata: Record<string, string>;
}): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: '@art/efficientnet',
    docString: fields.docString,
    metadataProps: Object.entries(fields.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: fields.graphName,
      node: fields.builder.nodes,
      initializer: fields.builder.initializers,
      input: fields.inputs,
      output: fields.outputs,
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
