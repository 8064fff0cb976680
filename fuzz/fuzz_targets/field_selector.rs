//! A `fieldSelector`: parse, print, parse again.
//! Input format and invariants: `krest::fuzzing::field_selector`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| krest::fuzzing::field_selector(data));
