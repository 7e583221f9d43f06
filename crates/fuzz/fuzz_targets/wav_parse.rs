#![no_main]
//! Any bytes as a WAV prompt file: read (with the length guard) and encode.
use centralino_media::wav::{read_pcm, write_pcm};
use centralino_media::Prompt;
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    if let Ok(pcm) = read_pcm(data, Duration::from_secs(30)) {
        assert!(pcm.len() <= 30 * 8000);
        // What we write reads back identically.
        assert_eq!(
            read_pcm(&write_pcm(&pcm), Duration::from_secs(30)).as_ref(),
            Ok(&pcm)
        );
    }
    let _ = Prompt::from_wav(data, Duration::from_secs(30), None);
});
