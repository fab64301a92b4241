#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| consentflow_workers::fuzzing::pdf(data));
