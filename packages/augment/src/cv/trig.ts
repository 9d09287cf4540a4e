/**
 * Correctly rounded `sin` and `cos` of a double, for the angles of rotation matrices.
 * OpenCV's `getRotationMatrix2D` calls glibc's `std::cos` / `std::sin`, which return the
 * correctly rounded value; V8's `Math.cos` / `Math.sin` (fdlibm) are off by one ULP for some
 * angles (e.g. cos(30.21885935278827°)), which moves a rotated box corner by 1e-15. Here the value
 * is computed in double-double arithmetic (about 106 bits) and rounded once.
 */

type DoubleDouble = [number, number];

function twoSum(a: number, b: number): DoubleDouble {
  const sum = a + b;
  const virtual = sum - a;
  return [sum, a - (sum - virtual) + (b - virtual)];
}

function split(value: number): [number, number] {
  const t = 134217729 * value; // 2^27 + 1 (Veltkamp)
  const high = t - (t - value);
  return [high, value - high];
}

function twoProduct(a: number, b: number): DoubleDouble {
  const product = a * b;
  const [aHigh, aLow] = split(a);
  const [bHigh, bLow] = split(b);
  return [product, aHigh * bHigh - product + aHigh * bLow + aLow * bHigh + aLow * bLow];
}

function add(a: DoubleDouble, b: DoubleDouble): DoubleDouble {
  const [sum, error] = twoSum(a[0], b[0]);
  const [low, lowError] = twoSum(a[1], b[1]);
  const [high, carry] = twoSum(sum, error + low);
  return twoSum(high, carry + lowError);
}

function multiply(a: DoubleDouble, b: DoubleDouble): DoubleDouble {
  const [product, error] = twoProduct(a[0], b[0]);
  return twoSum(product, error + (a[0] * b[1] + a[1] * b[0]));
}

function divideByInteger(a: DoubleDouble, n: number): DoubleDouble {
  const quotient = a[0] / n;
  const [product, error] = twoProduct(quotient, n);
  const remainder = a[0] - product - error + a[1];
  return twoSum(quotient, remainder / n);
}

// π/2 in three parts (159 bits): enough that x - k·π/2 keeps full relative precision near zeros.
const HALF_PI_1 = 1.5707963267948966;
const HALF_PI_2 = 6.123233995736766e-17;
const HALF_PI_3 = -1.4973849048591698e-33;

/** x - k·π/2 in double-double, |result| <= π/4. */
function reduce(x: number, k: number): DoubleDouble {
  let r: DoubleDouble = twoSum(x, 0);
  for (const part of [HALF_PI_1, HALF_PI_2, HALF_PI_3]) {
    const [product, error] = twoProduct(k, part);
    r = add(r, [-product, -error]);
  }
  return r;
}

/** Taylor series of sin (odd = true) or cos around 0 in double-double, |r| <= π/4. */
function series(r: DoubleDouble, odd: boolean): DoubleDouble {
  const r2 = multiply(r, r);
  let term: DoubleDouble = odd ? r : [1, 0];
  let sum: DoubleDouble = term;
  for (let n = odd ? 2 : 1; n < 40; n += 2) {
    // term *= -r² / ((n)(n+1)) for cos (n = 1, 3, ...), / ((n)(n+1)) with n = 2, 4, ... for sin
    term = divideByInteger(multiply(term, r2), odd ? n * (n + 1) : n * (n + 1));
    term = [-term[0], -term[1]];
    sum = add(sum, term);
    if (Math.abs(term[0]) < 1e-40) break;
  }
  return sum;
}

function sinCos(x: number, wantSin: boolean): number {
  if (!Number.isFinite(x)) return Number.NaN;
  if (Math.abs(x) > 1e6) return wantSin ? Math.sin(x) : Math.cos(x); // not needed for angles
  const k = Math.round(x / HALF_PI_1);
  const r = reduce(x, k);
  const quadrant = ((k % 4) + 4) % 4;
  // sin(r + kπ/2): k=0 sin r, 1 cos r, 2 -sin r, 3 -cos r; cos: k=0 cos r, 1 -sin r, 2 -cos r, 3 sin r
  const useSin = wantSin ? quadrant % 2 === 0 : quadrant % 2 === 1;
  const negate = wantSin ? quadrant >= 2 : quadrant === 1 || quadrant === 2;
  const value = series(r, useSin);
  const rounded = value[0] + value[1];
  return negate ? -rounded : rounded;
}

/**
 * Correctly rounded sine (what glibc's `sin` returns), for |x| up to 1e6.
 * @example sinCorrectlyRounded(Math.PI / 6); // 0.49999999999999994
 */
export function sinCorrectlyRounded(x: number): number {
  if (x === 0) return x; // keeps -0
  return sinCos(x, true);
}

/**
 * Correctly rounded cosine (what glibc's `cos` returns), for |x| up to 1e6.
 * @example cosCorrectlyRounded(30.21885935278827 * (Math.PI / 180)); // 0.8641091821973625 (Math.cos: ...627)
 */
export function cosCorrectlyRounded(x: number): number {
  return sinCos(x, false);
}
