//! A list `continue` token: a 400, a 410 or a page of the same collection.
//! Input format and invariants: `krest::fuzzing::continue_token`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| krest::fuzzing::continue_token(data));
