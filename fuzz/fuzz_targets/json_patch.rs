//! A JSON patch of a stored widget, as the PATCH handler applies it.
//! Input format and invariants: `krest::fuzzing::json_patch`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| krest::fuzzing::json_patch(data));
