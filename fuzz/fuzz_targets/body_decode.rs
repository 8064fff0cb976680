//! A request body through every decoder: JSON, YAML, merge, strategic merge and JSON patch, protobuf Namespace.
//! Input format and invariants: `krest::fuzzing::body_decode`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| krest::fuzzing::body_decode(data));
