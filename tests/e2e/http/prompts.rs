//! Prompt management against the running engine: an uploaded prompt is
//! what the next call hears (RTP payload compared with the WAV), and a
//! backup brings deleted prompts back.

use super::*;
use crate::sip_basics::MONDAY_9;

/// 16-bit mono 8 kHz PCM as a WAV (the test's own writer).
fn wav_bytes(samples: &[i16]) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut b = Vec::with_capacity(44 + data_len as usize);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&8000u32.to_le_bytes());
    b.extend_from_slice(&16000u32.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        b.extend_from_slice(&s.to_le_bytes());
    }
    b
}

/// A rising chirp: nothing like a voice prompt.
fn chirp(seconds: f64) -> Vec<i16> {
    let n = (seconds * 8000.0) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / 8000.0;
            let phase = 2.0 * std::f64::consts::PI * (300.0 * t + 200.0 * t * t);
            (phase.sin() * 9000.0) as i16
        })
        .collect()
}

/// Call the Trentino Digitale number with an RTP probe; the welcome's
/// first `frames` packets decoded (A-law).
fn welcome_heard(c: &Centralino, frames: usize) -> Vec<Vec<i16>> {
    let probe = RtpProbe::bind();
    // SIPp's media port comes from the harness's free-port guess, which may
    // collide with another test's RTP range: try again on that only.
    for attempt in 1.. {
        let run = Sipp::scenario("uac_rtp_probe.xml")
            .key("caller", "0461000001")
            .key("rtp_port", probe.port())
            .args(["-d", "3500"])
            .call(c.sip, "800228040", 1);
        if attempt < 3
            && !run.status.success()
            && run.errors.contains("Unable to bind audio RTP socket")
        {
            continue;
        }
        run.assert_ok("RTP probe call");
        break;
    }
    let packets = probe.packets();
    let start = packets
        .iter()
        .position(|p| p.marker() && p.payload_type() == 8)
        .unwrap_or_else(|| panic!("no prompt start among {} packets", packets.len()));
    packets[start..]
        .iter()
        .filter(|p| p.payload_type() == 8)
        .take(frames)
        .map(|p| p.payload().iter().map(|b| alaw_to_linear(*b)).collect())
        .collect()
}

/// Whether `heard` is `wav` within G.711 quantisation.
fn matches(heard: &[Vec<i16>], wav: &[i16]) -> Result<(), String> {
    for (i, frame) in heard.iter().enumerate() {
        for (j, s) in frame.iter().enumerate() {
            let Some(original) = wav.get(i * 160 + j) else {
                return Ok(());
            };
            let bound = (*original as i32).abs() / 16 + 16;
            if (*s as i32 - *original as i32).abs() > bound {
                return Err(format!("packet {i} sample {j}: heard {s}, WAV {original}"));
            }
        }
    }
    Ok(())
}

fn copy_prompts(to: &std::path::Path) {
    for lang in ["it", "en"] {
        let dst = to.join(lang);
        std::fs::create_dir_all(&dst).unwrap();
        for e in std::fs::read_dir(root().join("prompts").join(lang))
            .unwrap()
            .flatten()
        {
            std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn an_uploaded_prompt_is_heard_by_the_next_call_and_a_backup_brings_deleted_prompts_back() {
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts");
    copy_prompts(&prompts);
    let yaml = std::fs::read_to_string(root().join("config/centralino.yaml"))
        .unwrap()
        .replace("dir: ../prompts", &format!("dir: {}", prompts.display()))
        + &tokens_yaml();
    let c = Centralino::start(Opts {
        now: Some(MONDAY_9.into()),
        config_yaml: Some(yaml),
        ..Opts::default()
    });
    let admin = api(&c, ADMIN);

    // Before: the shipped welcome.
    let old = read_wav(&prompts.join("it/td-benvenuto.wav"));
    matches(&welcome_heard(&c, 50), &old).expect("the shipped welcome plays first");

    // Upload a new welcome: the next call hears it.
    let new = chirp(3.0);
    let r = admin.send(
        "PUT",
        "/api/prompts/it/td-benvenuto",
        Some(("audio/wav", &wav_bytes(&new))),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["reload"]["ok"], true, "{}", r.text());
    assert_eq!(r.json()["duration_ms"], 3000);
    let heard = welcome_heard(&c, 100);
    matches(&heard, &new).expect("the next call hears the uploaded prompt");
    assert!(matches(&heard, &old).is_err(), "and not the old one");
    // A bad file is refused and changes nothing.
    let r = admin.send(
        "PUT",
        "/api/prompts/it/td-benvenuto",
        Some(("audio/wav", b"RIFF....WAVEjunk")),
    );
    assert_eq!(r.status, 422, "{}", r.text());

    // Backup, delete, restore: the prompts come back, byte for byte.
    let backup = admin.get("/api/prompts/backup");
    assert_eq!(backup.status, 200);
    assert_eq!(backup.header("content-type"), Some("application/x-tar"));
    let archive = backup.body;
    let gone = ["it/td-benvenuto", "it/beep", "en/arrivederci"];
    let before: Vec<Vec<u8>> = gone
        .iter()
        .map(|p| std::fs::read(prompts.join(format!("{p}.wav"))).unwrap())
        .collect();
    for p in gone {
        let r = admin.send("DELETE", &format!("/api/prompts/{p}?force=true"), None);
        assert_eq!(r.status, 200, "{p}: {}", r.text());
        assert!(!prompts.join(format!("{p}.wav")).exists());
    }
    let listed = admin.get("/api/prompts").json();
    assert!(!listed
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["language"] == "it" && p["name"] == "td-benvenuto"));
    // The engine keeps playing what it loaded while the config misses files.
    assert!(c.logs().contains("reload"), "{}", c.logs());
    let r = admin.send(
        "POST",
        "/api/prompts/restore",
        Some(("application/x-tar", &archive)),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["reload"]["ok"], true, "{}", r.text());
    assert!(r.json()["restored"].as_u64().unwrap() > 90, "{}", r.text());
    for (p, bytes) in gone.iter().zip(&before) {
        assert_eq!(
            &std::fs::read(prompts.join(format!("{p}.wav"))).unwrap(),
            bytes,
            "{p} restored"
        );
    }
    let listed = admin.get("/api/prompts").json();
    for p in gone {
        let (lang, name) = p.split_once('/').unwrap();
        let entry = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["language"] == lang && e["name"] == name);
        assert_eq!(
            entry.map(|e| e["valid"].clone()),
            Some(serde_json::json!(true)),
            "{p} listed again"
        );
    }
    matches(&welcome_heard(&c, 100), &new).expect("the restored welcome plays");
}
