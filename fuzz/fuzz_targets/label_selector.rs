//! A `labelSelector`: parse, print, parse again.
//! Input format and invariants: `krest::fuzzing::label_selector`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| krest::fuzzing::label_selector(data));
