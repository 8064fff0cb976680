//! `METHOD path?query` into the router (and the request-info parser).
//! Input format and invariants: `krest::fuzzing::request_path`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| krest::fuzzing::request_path(data));
