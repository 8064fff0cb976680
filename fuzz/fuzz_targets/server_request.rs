//! One HTTP request (request line, headers, body) through `Server::handle`: never a 5xx.
//! Input format and invariants: `krest::fuzzing::server_request`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| krest::fuzzing::server_request(data));
