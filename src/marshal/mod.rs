//! JS ⇄ C for the values the generated wrappers cannot handle themselves:
//! strings, buffers, out-parameters, structs and Go values going in, and
//! strings, structs and Go values coming out. Scalars never come here; the
//! wrapper writes them straight into the buffer.

pub mod codec;
pub mod ctype;

use crate::env::{EnvState, Free, Lent, TaskErrors};
use crate::error::{check, Code, Error, Result};
use crate::js::{self, Value};
use crate::library::LibCore;
use crate::types::Type;
use codec::Codec;
use napi::sys::{self, napi_env};
use std::ffi::c_char;
use std::ptr::null_mut;

const ARENA: usize = 2048;

/// Memory that must outlive the C call (the bytes of string arguments,
/// out-parameter storage, the copies of buffers passed to an async call), and
/// the JS values to update after it. Short strings go in an inline arena, so
/// a call with a few short strings makes no heap allocation.
pub struct Scratch {
    /// Written before it is read; never zeroed (2 KB per call would cost more
    /// than the call).
    arena: std::mem::MaybeUninit<[u8; ARENA]>,
    used: usize,
    heap: Vec<Vec<u128>>,
    writebacks: Vec<WriteBack>,
    /// Closures lent to the call for JS function arguments.
    pub(crate) lent: Vec<Lent>,
    /// The call is async: lent closures hold their functions by reference,
    /// and report their errors here.
    pub task: Option<std::sync::Arc<TaskErrors>>,
    /// The call is async: JS values are held by reference, and buffers are
    /// copied (`buffer`, `place`, `copy_back`).
    pub keep: bool,
    /// The buffers passed to an async call, until they are copied back.
    buffers: Vec<BufferArg>,
    /// Where their bytes went, to translate pointers into the copies back.
    pub(crate) moved: Vec<Moved>,
    /// `char **` out-parameters of a function whose strings are the
    /// caller's to free: the C array, and the pointers cshared put in it
    /// (those are never freed; what C put in their place is).
    handed: Vec<(*mut u8, Vec<usize>)>,
    /// JS functions met inside arrays and structs, for function pointers:
    /// where the code address goes, the signature and the function. The
    /// invoker lends each a closure once conversion is done (marshal sits
    /// below the callback layer).
    pub(crate) functions: Vec<(*mut u8, std::sync::Arc<crate::types::Signature>, Value)>,
    /// When set, memory for strings and arrays comes from libc `calloc`
    /// and outlives `self` (listed here): what `encode()` and a callback's
    /// result write into C memory. Its owner is decided by the caller.
    pub(crate) persist: Option<Vec<usize>>,
}

/// A buffer passed to an async call. C gets the address of a copy of its
/// bytes, in memory the call owns (see the README's "Async calls"): JS may
/// detach, transfer or shrink the buffer while C runs, and C's writes
/// still land in memory nobody else has.
struct BufferArg {
    /// The Buffer, TypedArray, DataView or ArrayBuffer (a handle while the
    /// arguments are converted, a reference from `place` on).
    view: Value,
    kept: sys::napi_ref,
    /// Its bytes when it was converted, and where its ArrayBuffer starts.
    data: usize,
    len: usize,
    base: usize,
    /// Where the address goes (an argument slot, a struct field, a
    /// GoSlice's data): written by `place`.
    slot: *mut u8,
    /// The address of its copy.
    copy: usize,
}

/// A run of bytes copied for an async call: C saw `len` bytes at `copy`
/// that JS has at `orig`.
#[derive(Clone, Copy, Debug)]
pub struct Moved {
    pub copy: usize,
    pub orig: usize,
    pub len: usize,
}

/// `addr`, or the address it stands for if it points into (or just past) a
/// copy of a buffer in `moved`.
pub fn original(moved: &[Moved], addr: usize) -> usize {
    for m in moved {
        if addr >= m.copy && addr - m.copy <= m.len {
            return m.orig + (addr - m.copy);
        }
    }
    addr
}

/// Bytes to copy for an async call: buffers `order[from..to]`, which cover
/// `lo..hi` of one ArrayBuffer.
struct Run {
    from: usize,
    to: usize,
    lo: usize,
    hi: usize,
}

/// Groups buffers, given as (base, data, len), into runs: buffers of one
/// ArrayBuffer (the same base) that overlap or touch share a run, so C sees
/// them at the same distances from each other as JS does (`memmove` of
/// overlapping views, a struct of begin and end pointers); others are
/// copied apart, so the copy is never larger than what was passed. Returns
/// the buffers' indices sorted by (base, data), and the runs over them.
fn runs(bufs: &[(usize, usize, usize)]) -> (Vec<usize>, Vec<Run>) {
    let mut order: Vec<usize> = (0..bufs.len()).collect();
    order.sort_unstable_by_key(|&i| (bufs[i].0, bufs[i].1));
    let mut out: Vec<Run> = Vec::new();
    let mut base = 0;
    for (k, &i) in order.iter().enumerate() {
        let (b, data, len) = bufs[i];
        let end = data.saturating_add(len);
        if let Some(last) = out.last_mut() {
            if b == base && data <= last.hi {
                last.to = k + 1;
                last.hi = last.hi.max(end);
                continue;
            }
        }
        base = b;
        out.push(Run {
            from: k,
            to: k + 1,
            lo: data,
            hi: end,
        });
    }
    (order, out)
}

/// After the call, decode `count` values of `ty` at `mem` back into `target`
/// (the elements of an array, or the fields of an object when `count` is 0).
struct WriteBack {
    target: Target,
    mem: *mut u8,
    ty: Type,
    count: usize,
}

/// A value to update after the call: held directly during a synchronous
/// call, by a reference across an async one.
enum Target {
    Value(Value),
    Ref(sys::napi_ref),
}

impl Scratch {
    pub fn new() -> Scratch {
        // Field by field, so that the arena is left as it is: built as one
        // struct literal, the compiler zeroes all 2 KB of it on every call.
        let mut s = std::mem::MaybeUninit::<Scratch>::uninit();
        let p = s.as_mut_ptr();
        // SAFETY: every field but the arena (a MaybeUninit) is written
        // before `assume_init`.
        unsafe {
            std::ptr::addr_of_mut!((*p).used).write(0);
            std::ptr::addr_of_mut!((*p).heap).write(Vec::new());
            std::ptr::addr_of_mut!((*p).writebacks).write(Vec::new());
            std::ptr::addr_of_mut!((*p).lent).write(Vec::new());
            std::ptr::addr_of_mut!((*p).task).write(None);
            std::ptr::addr_of_mut!((*p).keep).write(false);
            std::ptr::addr_of_mut!((*p).buffers).write(Vec::new());
            std::ptr::addr_of_mut!((*p).moved).write(Vec::new());
            std::ptr::addr_of_mut!((*p).handed).write(Vec::new());
            std::ptr::addr_of_mut!((*p).functions).write(Vec::new());
            std::ptr::addr_of_mut!((*p).persist).write(None);
            s.assume_init()
        }
    }

    /// Gives back the closures lent to the call. An error if C called one of
    /// them from another thread while the call was running.
    pub unsafe fn release_callbacks(&mut self, env: napi_env) -> Result<()> {
        let mut misused = None;
        for l in self.lent.drain(..) {
            if l.misused() && misused.is_none() {
                misused = Some(l.name().to_string());
            }
            unsafe { l.release(env) };
        }
        match misused {
            Some(name) => Err(Error::new(
                Code::Unsupported,
                format!(
                    "callback '{name}' was called from another thread while the call was running on the JS thread; C got a default value. Call the function with .async(), or register() the callback"
                ),
            )),
            None => Ok(()),
        }
    }

    /// Whether nothing was made that must outlive a call.
    pub fn is_empty(&self) -> bool {
        self.used == 0
            && self.heap.is_empty()
            && self.writebacks.is_empty()
            && self.lent.is_empty()
            && self.buffers.is_empty()
            && self.functions.is_empty()
    }

    /// Zeroed memory, 16-byte aligned, alive until `self` is dropped.
    pub fn alloc(&mut self, size: usize, _align: usize) -> *mut u8 {
        if let Some(kept) = &mut self.persist {
            // calloc's alignment covers every C type, as the heap's does.
            let p = unsafe { libc::calloc(size.max(1), 1) } as *mut u8;
            if p.is_null() {
                std::process::abort();
            }
            kept.push(p as usize);
            return p;
        }
        let mut v = vec![0u128; size.div_ceil(16).max(1)];
        let p = v.as_mut_ptr() as *mut u8;
        self.heap.push(v);
        p
    }

    pub(crate) unsafe fn write_back(
        &mut self,
        env: napi_env,
        target: Value,
        mem: *mut u8,
        ty: Type,
        count: usize,
    ) -> Result<()> {
        let target = if self.keep {
            Target::Ref(unsafe { js::new_ref(env, target)? })
        } else {
            Target::Value(target)
        };
        self.writebacks.push(WriteBack { target, mem, ty, count });
        Ok(())
    }

    /// The address C gets for buffer `view` (its bytes per `info`), which
    /// goes at `slot`: the buffer's own for a synchronous call; for an
    /// async one (`keep`), 0 until `place` copies the buffers and writes the
    /// addresses of the copies.
    pub(crate) fn buffer(&mut self, view: Value, info: BufInfo, slot: *mut u8) -> usize {
        if !self.keep || info.data.is_null() {
            return info.data as usize;
        }
        self.buffers.push(BufferArg {
            view,
            kept: null_mut(),
            data: info.data as usize,
            len: info.len,
            base: info.base,
            slot,
            copy: 0,
        });
        0
    }

    /// For an async call, once every argument is converted: copies the
    /// buffers it was passed into memory it owns, and writes the copies'
    /// addresses where the buffers' were to go. A buffer that was detached
    /// or resized meanwhile (by a getter that ran during the conversion)
    /// fails the call.
    pub(crate) unsafe fn place(&mut self, env: napi_env, name: &str) -> Result<()> {
        unsafe {
            if self.buffers.is_empty() {
                return Ok(());
            }
            for l in &self.buffers {
                match buffer_info(env, l.view) {
                    Ok(Some(now)) if now.data as usize == l.data && now.len == l.len && now.base == l.base => {}
                    _ => {
                        return Err(Error::new(
                            Code::ArgValue,
                            format!(
                            "{name}(): a buffer argument was detached or resized while the arguments were converted"
                        ),
                        ))
                    }
                }
            }
            if self.buffers.len() == 1 {
                let l = &self.buffers[0];
                let (lo, hi) = (l.data, l.data + l.len);
                let copy = self.copy_run(lo, hi, name)?;
                let l = &mut self.buffers[0];
                l.copy = copy;
                std::ptr::write_unaligned(l.slot as *mut usize, copy);
            } else {
                let bufs: Vec<(usize, usize, usize)> = self.buffers.iter().map(|l| (l.base, l.data, l.len)).collect();
                let (order, runs) = runs(&bufs);
                for run in runs {
                    let copy = self.copy_run(run.lo, run.hi, name)?;
                    for &i in &order[run.from..run.to] {
                        let l = &mut self.buffers[i];
                        l.copy = copy + (l.data - run.lo);
                        std::ptr::write_unaligned(l.slot as *mut usize, l.copy);
                    }
                }
            }
            // A `char **` out-parameter notes what cshared put in it, not to
            // free it afterwards: the copies' addresses, now they are there.
            for (mem, before) in &mut self.handed {
                for (i, b) in before.iter_mut().enumerate() {
                    *b = std::ptr::read_unaligned(mem.add(i * std::mem::size_of::<usize>()) as *const usize);
                }
            }
            // Only buffers with bytes are copied back.
            self.buffers.retain(|l| l.len > 0);
            for l in &mut self.buffers {
                l.kept = js::new_ref(env, l.view)?;
                l.view = null_mut();
            }
            Ok(())
        }
    }

    /// Copies bytes `lo..hi` of a buffer into memory of the call (the arena
    /// if they fit, else the heap), and returns where they went. The copy
    /// keeps the bytes' alignment to 16.
    unsafe fn copy_run(&mut self, lo: usize, hi: usize, name: &str) -> Result<usize> {
        unsafe {
            let skew = lo % 16;
            let size = hi - lo;
            let base = self.arena.as_mut_ptr() as *mut u8;
            let start = (base as usize + self.used).next_multiple_of(16) - base as usize;
            let mut heap = None;
            let mem = if start + skew + size <= ARENA {
                self.used = start + skew + size;
                base.add(start)
            } else {
                let words = (skew + size).div_ceil(16).max(1);
                let mut v: Vec<u128> = Vec::new();
                v.try_reserve_exact(words).map_err(|_| {
                    Error::new(
                        Code::ArgRange,
                        format!(
                            "{name}(): cannot allocate {size} bytes for the copy of a buffer argument of an async call"
                        ),
                    )
                })?;
                let mem = v.as_mut_ptr() as *mut u8;
                std::ptr::write_bytes(mem, 0, skew);
                std::ptr::write_bytes(mem.add(skew + size), 0, words * 16 - skew - size);
                heap = Some((v, words));
                mem
            };
            let copy = mem.add(skew);
            std::ptr::copy_nonoverlapping(lo as *const u8, copy, size);
            if let Some((mut v, words)) = heap {
                // Every byte is written: the skew and the tail (zero) and the
                // buffer's bytes.
                v.set_len(words);
                self.heap.push(v);
            }
            self.moved.push(Moved {
                copy: copy as usize,
                orig: lo,
                len: size,
            });
            Ok(copy as usize)
        }
    }

    /// After an async call, on the JS thread: copies what C left in each
    /// copy back into its buffer, if the buffer is still attached and at
    /// least as long as it was (a view keeps its offset); else that
    /// buffer's bytes are dropped.
    pub(crate) unsafe fn copy_back(&mut self, env: napi_env) {
        unsafe {
            for l in std::mem::take(&mut self.buffers) {
                if l.kept.is_null() {
                    continue;
                }
                let view = js::deref(env, l.kept);
                sys::napi_delete_reference(env, l.kept);
                let Ok(view) = view else { continue };
                if let Ok(Some(now)) = buffer_info(env, view) {
                    if now.len >= l.len && !now.data.is_null() {
                        std::ptr::copy_nonoverlapping(l.copy as *const u8, now.data, l.len);
                    }
                }
            }
        }
    }

    /// Deletes the references still held (a call that failed or was
    /// cancelled before its buffers were copied back or its out-parameters
    /// updated).
    pub(crate) unsafe fn drop_refs(&mut self, env: napi_env) {
        unsafe {
            for l in self.buffers.drain(..) {
                if !l.kept.is_null() {
                    sys::napi_delete_reference(env, l.kept);
                }
            }
            for wb in self.writebacks.drain(..) {
                if let Target::Ref(r) = wb.target {
                    sys::napi_delete_reference(env, r);
                }
            }
        }
    }

    /// Notes a `char **` out-parameter of `count` strings at `mem`, whose
    /// new strings are freed after the call (`free_handed_over`).
    pub(crate) unsafe fn hand_over(&mut self, mem: *mut u8, count: usize) {
        let before = (0..count)
            .map(|i| unsafe { std::ptr::read_unaligned(mem.add(i * std::mem::size_of::<usize>()) as *const usize) })
            .collect();
        self.handed.push((mem, before));
    }

    /// After `finish` has read them: frees the strings C left in `char **`
    /// out-parameters (not the ones cshared passed in, not NULL).
    pub unsafe fn free_handed_over(&mut self, free: Free, lib: &LibCore) {
        for (mem, before) in std::mem::take(&mut self.handed) {
            for (i, b) in before.into_iter().enumerate() {
                let p = unsafe { std::ptr::read_unaligned(mem.add(i * std::mem::size_of::<usize>()) as *const usize) };
                if p != b {
                    unsafe { free.release(lib, p as *mut std::ffi::c_void) };
                }
            }
        }
    }

    /// A wide string argument (`char16_t *`: `unit` 2, `char32_t *`: 4):
    /// the string's code units and a zero one, alive until `self` is
    /// dropped. A zero inside is refused, as for `c_string_arg`.
    pub(crate) unsafe fn wide_string_arg(
        &mut self,
        env: napi_env,
        v: Value,
        unit: u8,
        what: &dyn Fn() -> String,
    ) -> Result<usize> {
        unsafe {
            let units = string_units(env, v, unit)?;
            if units.contains(&0) {
                return Err(Error::new(
                    Code::ArgValue,
                    format!(
                        "{} must not contain a NUL character (C strings end at the first one)",
                        what()
                    ),
                ));
            }
            let u = usize::from(unit);
            let mem = self.alloc((units.len() + 1) * u, u);
            for (i, &c) in units.iter().enumerate() {
                match unit {
                    2 => std::ptr::write_unaligned((mem as *mut u16).add(i), c as u16),
                    _ => std::ptr::write_unaligned((mem as *mut u32).add(i), c),
                }
            }
            Ok(mem as usize)
        }
    }

    /// `c_string` for a `char *` argument: its address, refusing a string
    /// with a NUL inside (C would see it cut short). `what` names it.
    pub(crate) unsafe fn c_string_arg(&mut self, env: napi_env, v: Value, what: &dyn Fn() -> String) -> Result<usize> {
        unsafe {
            let bytes = self.c_string(env, v)?;
            if bytes.contains(&0) {
                return Err(Error::new(
                    Code::ArgValue,
                    format!(
                        "{} must not contain a NUL character (C strings end at the first one)",
                        what()
                    ),
                ));
            }
            Ok(bytes.as_ptr() as usize)
        }
    }

    /// Copies the JS string `v` as a NUL-terminated UTF-8 C string and returns
    /// its bytes (without the NUL). The bytes stay put until `self` is dropped.
    pub(crate) unsafe fn c_string(&mut self, env: napi_env, v: Value) -> Result<&[u8]> {
        unsafe {
            let room = if self.persist.is_some() { 0 } else { ARENA - self.used };
            if room > 8 {
                let base = self.arena.as_mut_ptr() as *mut u8;
                let at = base.add(self.used) as *mut c_char;
                let mut n = 0;
                check(
                    sys::napi_get_value_string_utf8(env, v, at, room, &mut n),
                    "reading a string",
                )?;
                // A code point is at most 4 bytes, so this much room left
                // means nothing was cut off.
                if n + 5 < room {
                    let start = self.used;
                    self.used += n + 1;
                    return Ok(std::slice::from_raw_parts(base.add(start), n));
                }
            }
            let mut len = 0;
            check(
                sys::napi_get_value_string_utf8(env, v, null_mut(), 0, &mut len),
                "reading a string",
            )?;
            let mem = self.alloc(len + 1, 1);
            let mut n = 0;
            check(
                sys::napi_get_value_string_utf8(env, v, mem as *mut c_char, len + 1, &mut n),
                "reading a string",
            )?;
            Ok(std::slice::from_raw_parts(mem, n))
        }
    }

    /// Updates the JS arrays and objects that were passed as out-parameters.
    pub unsafe fn finish(&mut self, codec: &Codec) -> Result<()> {
        unsafe {
            let env = codec.env;
            let mut result = Ok(());
            for wb in std::mem::take(&mut self.writebacks) {
                let target = match wb.target {
                    Target::Value(v) => Ok(v),
                    Target::Ref(r) => {
                        let v = js::deref(env, r);
                        sys::napi_delete_reference(env, r);
                        v
                    }
                };
                if result.is_err() {
                    continue;
                }
                result = (|| -> Result<()> {
                    let target = target?;
                    let size = wb.ty.size().unwrap_or(0);
                    if wb.count == 0 {
                        let fresh = codec.decode(&wb.ty, wb.mem, true)?;
                        assign(env, codec.state, target, fresh)?;
                    } else {
                        for i in 0..wb.count {
                            // A JS function lent for a function-pointer element stays.
                            let old = js::get_element(env, target, i as u32)?;
                            if js::type_of(env, old) == sys::ValueType::napi_function {
                                continue;
                            }
                            let v = codec.decode(&wb.ty, wb.mem.add(i * size), true)?;
                            js::set_element(env, target, i as u32, v)?;
                        }
                    }
                    Ok(())
                })();
            }
            result
        }
    }
}

/// `Object.assign(target, source)` for the own enumerable string keys of a
/// freshly decoded object.
unsafe fn assign(env: napi_env, state: &EnvState, target: Value, source: Value) -> Result<()> {
    unsafe {
        let mut keys = null_mut();
        check(sys::napi_get_property_names(env, source, &mut keys), "listing fields")?;
        let n = js::array_len(env, keys)?;
        for i in 0..n {
            let k = js::get_element(env, keys, i)?;
            // A JS function lent for a function-pointer field stays.
            let mut old = null_mut();
            check(sys::napi_get_property(env, target, k, &mut old), "reading a field")?;
            if js::type_of(env, old) == sys::ValueType::napi_function {
                continue;
            }
            let mut v = null_mut();
            check(sys::napi_get_property(env, source, k, &mut v), "reading a field")?;
            // A buffer passed for a pointer field stays, where C wrote into
            // it, unless C pointed the field elsewhere.
            if let Ok(Some((data, _))) = buffer_data(env, old) {
                if state.read_pointer(env, v)? == Some(data as usize) {
                    continue;
                }
            }
            check(sys::napi_set_property(env, target, k, v), "writing a field")?;
        }
        Ok(())
    }
}

/// Where a Buffer, TypedArray, DataView or ArrayBuffer keeps its bytes
/// now, and where its ArrayBuffer's bytes start.
#[derive(Clone, Copy)]
pub struct BufInfo {
    pub data: *mut u8,
    pub len: usize,
    pub base: usize,
}

/// The byte offsets of the `char *` fields of a struct, nested structs
/// included (a union's members are not read as strings, nor freed).
pub fn c_string_fields(ty: &Type) -> Vec<usize> {
    fn walk(ty: &Type, base: usize, out: &mut Vec<usize>, depth: u32) {
        let Type::Record(r) = ty else { return };
        if r.kind != crate::types::RecordKind::Struct || depth > 32 {
            return;
        }
        if let Some(body) = r.body() {
            for (_, f) in body.flat_fields() {
                if f.bits.is_some() {
                    continue;
                }
                if f.ty.is_c_string() {
                    out.push(base + f.offset);
                } else {
                    walk(&f.ty, base + f.offset, out, depth + 1);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(ty, 0, &mut out, 0);
    out
}

/// Where a Buffer, TypedArray, DataView or ArrayBuffer keeps its bytes.
/// `Ok(None)` if `v` is none of these.
pub unsafe fn buffer_data(env: napi_env, v: Value) -> std::result::Result<Option<(*mut u8, usize)>, &'static str> {
    unsafe { buffer_info(env, v).map(|o| o.map(|i| (i.data, i.len))) }
}

/// `buffer_data`, with the start of the ArrayBuffer.
pub unsafe fn buffer_info(env: napi_env, v: Value) -> std::result::Result<Option<BufInfo>, &'static str> {
    unsafe {
        let mut yes = false;
        let mut data: *mut std::ffi::c_void = null_mut();
        let mut len = 0usize;
        let mut ab = null_mut();
        let mut offset = 0usize;
        sys::napi_is_typedarray(env, v, &mut yes);
        if yes {
            let mut kind = 0;
            sys::napi_get_typedarray_info(env, v, &mut kind, &mut len, &mut data, &mut ab, &mut offset);
            let elem = match kind {
                sys::TypedarrayType::int16_array | sys::TypedarrayType::uint16_array => 2,
                sys::TypedarrayType::int32_array
                | sys::TypedarrayType::uint32_array
                | sys::TypedarrayType::float32_array => 4,
                sys::TypedarrayType::float64_array
                | sys::TypedarrayType::bigint64_array
                | sys::TypedarrayType::biguint64_array => 8,
                _ => 1,
            };
            len *= elem;
        } else {
            sys::napi_is_dataview(env, v, &mut yes);
            if yes {
                sys::napi_get_dataview_info(env, v, &mut len, &mut data, &mut ab, &mut offset);
            } else {
                sys::napi_is_arraybuffer(env, v, &mut yes);
                if !yes {
                    return Ok(None);
                }
                ab = v;
                sys::napi_get_arraybuffer_info(env, v, &mut data, &mut len);
            }
        }
        if ab != v {
            let mut plain = false;
            sys::napi_is_arraybuffer(env, ab, &mut plain);
            if !plain {
                return Err("is backed by a SharedArrayBuffer, which cannot be passed");
            }
        }
        // Only an empty buffer can be a detached one.
        if len == 0 || data.is_null() {
            let mut detached = false;
            sys::napi_is_detached_arraybuffer(env, ab, &mut detached);
            if detached {
                return Err("is backed by a detached ArrayBuffer");
            }
        }
        Ok(Some(BufInfo {
            data: data as *mut u8,
            len,
            base: (data as usize).wrapping_sub(offset),
        }))
    }
}

/// A string argument of an API function; `what` names it in the error.
pub unsafe fn string_arg(env: napi_env, v: Value, what: &str) -> Result<String> {
    unsafe {
        if js::type_of(env, v) != sys::ValueType::napi_string {
            let state = EnvState::get(env)?;
            return Err(Error::new(
                Code::ArgType,
                format!("{what} must be a string, got {}", state.describe(env, v)),
            ));
        }
        js::get_string(env, v)
    }
}

/// Whether `v` is a WHATWG `URL` object (of this realm's `URL`).
pub unsafe fn is_url(env: napi_env, v: Value) -> Result<bool> {
    unsafe {
        if js::type_of(env, v) != sys::ValueType::napi_object {
            return Ok(false);
        }
        let mut global = null_mut();
        check(sys::napi_get_global(env, &mut global), "reading the global object")?;
        let url = js::get(env, global, c"URL")?;
        let mut yes = false;
        if js::type_of(env, url) == sys::ValueType::napi_function {
            check(sys::napi_instanceof(env, v, url, &mut yes), "instanceof URL")?;
        }
        Ok(yes)
    }
}

/// A path argument of an API function: a string, or a `file:` URL object
/// (`new URL('./libmod.so', import.meta.url)`), read as Node's
/// `url.fileURLToPath` reads it. `what` names it in the error.
pub unsafe fn path_arg(env: napi_env, v: Value, what: &str) -> Result<String> {
    unsafe {
        if is_url(env, v)? {
            {
                let part = |key: &std::ffi::CStr| -> Result<String> {
                    let p = js::get(env, v, key)?;
                    if js::type_of(env, p) != sys::ValueType::napi_string {
                        return Err(Error::new(Code::ArgValue, format!("{what}: the URL has no {key:?}")));
                    }
                    js::get_string(env, p)
                };
                let protocol = part(c"protocol")?;
                if protocol != "file:" {
                    return Err(Error::new(
                        Code::ArgValue,
                        format!("{what} must be a path or a file: URL, got a {protocol} URL"),
                    ));
                }
                return crate::fileurl::to_path(&part(c"hostname")?, &part(c"pathname")?, cfg!(windows))
                    .map_err(|e| Error::new(Code::ArgValue, format!("{what}: {e}")));
            }
        }
        if js::type_of(env, v) != sys::ValueType::napi_string {
            let state = EnvState::get(env)?;
            return Err(Error::new(
                Code::ArgType,
                format!(
                    "{what} must be a path (a string or a file: URL), got {}",
                    state.describe(env, v)
                ),
            ));
        }
        js::get_string(env, v)
    }
}

/// A C string result as a JS string, or null for NULL.
pub unsafe fn c_string_result(env: napi_env, p: *const c_char) -> Result<Value> {
    unsafe {
        if p.is_null() {
            return js::null(env);
        }
        let mut v = null_mut();
        check(sys::napi_create_string_utf8(env, p, -1, &mut v), "making a string")?;
        Ok(v)
    }
}

/// The most code units read from a wide string in C memory (its terminating
/// zero must come before): 64 Mi units.
const MAX_WIDE_UNITS: usize = 1 << 26;

/// A JS string from `n` code units of size `unit` (2: UTF-16, 4: UTF-32)
/// at `p`. Lone surrogates and values that are not code points become
/// U+FFFD.
pub unsafe fn wide_string(env: napi_env, p: *const u8, n: usize, unit: u8) -> Result<Value> {
    unsafe {
        let mut v = null_mut();
        if unit == 2 {
            check(
                sys::napi_create_string_utf16(env, p as *const u16, n as isize, &mut v),
                "making a string",
            )?;
            return Ok(v);
        }
        let mut units: Vec<u16> = Vec::with_capacity(n);
        for i in 0..n {
            let c = std::ptr::read_unaligned((p as *const u32).add(i));
            let ch = char::from_u32(c).unwrap_or('\u{fffd}');
            let mut buf = [0u16; 2];
            units.extend_from_slice(ch.encode_utf16(&mut buf));
        }
        check(
            sys::napi_create_string_utf16(env, units.as_ptr(), units.len() as isize, &mut v),
            "making a string",
        )?;
        Ok(v)
    }
}

/// Code units of size `unit` at `p` before the first zero one, at most `max`.
pub unsafe fn wide_len(p: *const u8, unit: u8, max: usize) -> Option<usize> {
    unsafe {
        (0..max).find(|&i| match unit {
            2 => std::ptr::read_unaligned((p as *const u16).add(i)) == 0,
            _ => std::ptr::read_unaligned((p as *const u32).add(i)) == 0,
        })
    }
}

/// A wide string result (`char16_t *`, `char32_t *`, `wchar_t *`) as a JS
/// string, or null for NULL.
pub unsafe fn wide_string_result(env: napi_env, p: *const u8, unit: u8) -> Result<Value> {
    unsafe {
        if p.is_null() {
            return js::null(env);
        }
        let n = wide_len(p, unit, MAX_WIDE_UNITS).ok_or_else(|| {
            Error::new(
                Code::ArgRange,
                format!("a wide string of more than {MAX_WIDE_UNITS} code units (no terminating zero?)"),
            )
        })?;
        wide_string(env, p, n, unit)
    }
}

/// A JS string as code units of size `unit`: UTF-16, or UTF-32 (lone
/// surrogates become U+FFFD).
pub unsafe fn string_units(env: napi_env, v: Value, unit: u8) -> Result<Vec<u32>> {
    unsafe {
        let mut len = 0;
        check(
            sys::napi_get_value_string_utf16(env, v, null_mut(), 0, &mut len),
            "reading a string",
        )?;
        let mut buf = vec![0u16; len + 1];
        let mut n = 0;
        check(
            sys::napi_get_value_string_utf16(env, v, buf.as_mut_ptr(), len + 1, &mut n),
            "reading a string",
        )?;
        buf.truncate(n);
        Ok(if unit == 2 {
            buf.into_iter().map(u32::from).collect()
        } else {
            char::decode_utf16(buf)
                .map(|c| u32::from(c.unwrap_or('\u{fffd}')))
                .collect()
        })
    }
}

/// Frees what a disposable pointer (`disposable()`, `'char *!'`) points
/// to, once cshared has read it. Nothing for NULL.
///
/// # Safety
/// `p` must be what the type's owner hands over, freed once.
pub unsafe fn dispose(how: crate::types::Dispose, p: *mut std::ffi::c_void) {
    if p.is_null() {
        return;
    }
    match how {
        crate::types::Dispose::No => {}
        crate::types::Dispose::Libc => unsafe { libc::free(p) },
        crate::types::Dispose::With(f) => {
            // SAFETY: the user named this function as the one that frees
            // what the type points to.
            let f: unsafe extern "C" fn(*mut std::ffi::c_void) = unsafe { std::mem::transmute(f) };
            unsafe { f(p) }
        }
    }
}
