/**
 * Typed views over the growable record buffer. Each value field is read and written through a view of its own
 * type laid over the whole buffer (`offset`/`stride` in that type's units), so a field read is one indexed
 * load. A grown `SharedArrayBuffer` keeps its old views' lengths, so a thread re-creates its views (`fieldView`)
 * when it meets a record index past them.
 */
import type { FieldType } from "@rcu/pool";

/** A typed array of any field type. */
export type AnyView =
  Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

const CTORS: { readonly [K in FieldType]: new (buffer: SharedArrayBuffer, offset: number, length: number) => AnyView } =
  {
    f64: Float64Array,
    f32: Float32Array,
    i32: Int32Array,
    u32: Uint32Array,
    i16: Int16Array,
    u16: Uint16Array,
    i8: Int8Array,
    u8: Uint8Array,
  };
const WIDTH: { readonly [K in FieldType]: number } = { f64: 8, f32: 4, i32: 4, u32: 4, i16: 2, u16: 2, i8: 1, u8: 1 };

/** One field's accessor, re-pointed at new views when the record buffer grows. */
export interface FieldAccess {
  readonly name: string;
  readonly type: FieldType;
  readonly offset: number;
  readonly stride: number;
  view: AnyView;
}

/** A view of `type` over all of `buf` as it is now. */
export function fieldView(buf: SharedArrayBuffer, type: FieldType): AnyView {
  return new CTORS[type](buf, 0, Math.floor(buf.byteLength / WIDTH[type]));
}
