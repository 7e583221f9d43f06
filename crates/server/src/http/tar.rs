//! Just enough of the POSIX ustar format (IEEE 1003.1-1988) for prompt
//! backups: regular files with short relative names, written and read.
//! `tar tf` and `tar xf` read what [`write`] makes; [`read`] takes what GNU
//! and BSD tar make of a prompts folder (directories, `./` prefixes and pax
//! headers are skipped), and refuses anything it does not understand.

/// One block.
const BLOCK: usize = 512;

/// Why an archive was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TarError {
    /// Cut short.
    #[error("the archive ends inside an entry (truncated?)")]
    Truncated,
    /// A header's checksum does not match.
    #[error("entry {index}: bad header checksum (not a tar archive?)")]
    Checksum {
        /// The entry's position.
        index: usize,
    },
    /// A numeric field is not octal.
    #[error("entry {index}: bad {field} field")]
    Field {
        /// The entry's position.
        index: usize,
        /// Which field.
        field: &'static str,
    },
    /// A name too long for ustar.
    #[error("{name}: name too long for a tar header")]
    NameTooLong {
        /// The name.
        name: String,
    },
}

/// A regular file of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its path inside the archive.
    pub name: String,
    /// Its contents.
    pub data: Vec<u8>,
}

fn octal(field: &mut [u8], value: u64) {
    // Width - 1 digits, then NUL.
    let digits = field.len() - 1;
    let text = format!("{value:0digits$o}");
    field[..digits].copy_from_slice(&text.as_bytes()[text.len() - digits..]);
    field[digits] = 0;
}

/// Write `entries` (name, data, mtime) as a ustar archive.
pub fn write(entries: &[(String, Vec<u8>, u64)]) -> Result<Vec<u8>, TarError> {
    let mut out = Vec::new();
    for (name, data, mtime) in entries {
        if name.len() > 100 {
            return Err(TarError::NameTooLong { name: name.clone() });
        }
        let mut h = [0u8; BLOCK];
        h[..name.len()].copy_from_slice(name.as_bytes());
        octal(&mut h[100..108], 0o644);
        octal(&mut h[108..116], 0);
        octal(&mut h[116..124], 0);
        octal(&mut h[124..136], data.len() as u64);
        octal(&mut h[136..148], *mtime);
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[265..275].copy_from_slice(b"centralino");
        h[297..307].copy_from_slice(b"centralino");
        // The checksum is computed with its own field as eight spaces.
        h[148..156].copy_from_slice(b"        ");
        let sum: u64 = h.iter().map(|b| u64::from(*b)).sum();
        let text = format!("{sum:06o}\0 ");
        h[148..156].copy_from_slice(text.as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        let pad = (BLOCK - data.len() % BLOCK) % BLOCK;
        out.extend(std::iter::repeat_n(0u8, pad));
    }
    out.extend(std::iter::repeat_n(0u8, 2 * BLOCK));
    Ok(out)
}

fn parse_octal(index: usize, field: &'static str, bytes: &[u8]) -> Result<u64, TarError> {
    let text: String = bytes
        .iter()
        .take_while(|b| **b != 0)
        .map(|b| *b as char)
        .collect();
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    u64::from_str_radix(text, 8).map_err(|_| TarError::Field { index, field })
}

fn text_of(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// The regular files of an archive, in order. Directories and pax
/// headers are skipped; links, devices and the like are refused by the
/// caller (they come back with their type flag in the name check).
pub fn read(archive: &[u8]) -> Result<Vec<Entry>, TarError> {
    let mut out = Vec::new();
    let mut at = 0usize;
    let mut index = 0usize;
    let mut long_name: Option<String> = None;
    loop {
        let Some(h) = archive.get(at..at + BLOCK) else {
            // No end-of-archive blocks: accept the end of the data when it
            // falls between entries (some writers omit them).
            if at == archive.len() {
                return Ok(out);
            }
            return Err(TarError::Truncated);
        };
        if h.iter().all(|b| *b == 0) {
            return Ok(out);
        }
        let stored = parse_octal(index, "checksum", &h[148..156])?;
        let computed: u64 = h
            .iter()
            .enumerate()
            .map(|(i, b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u64::from(*b)
                }
            })
            .sum();
        if stored != computed {
            return Err(TarError::Checksum { index });
        }
        let size = usize::try_from(parse_octal(index, "size", &h[124..136])?).map_err(|_| {
            TarError::Field {
                index,
                field: "size",
            }
        })?;
        let data_start = at + BLOCK;
        let data_end = data_start.checked_add(size).ok_or(TarError::Truncated)?;
        let data = archive
            .get(data_start..data_end)
            .ok_or(TarError::Truncated)?;
        let mut name = text_of(&h[0..100]);
        if &h[257..262] == b"ustar" {
            let prefix = text_of(&h[345..500]);
            if !prefix.is_empty() {
                name = format!("{prefix}/{name}");
            }
        }
        if let Some(n) = long_name.take() {
            name = n;
        }
        match h[156] {
            b'0' | 0 | b'7' => out.push(Entry {
                name,
                data: data.to_vec(),
            }),
            // GNU long name: the next entry's name is this data.
            b'L' => long_name = Some(text_of(data)),
            // Directories and pax headers carry nothing we need.
            b'5' | b'x' | b'g' => {}
            other => out.push(Entry {
                name: format!("{name} (type {})", other as char),
                data: Vec::new(),
            }),
        }
        at = data_start + size.div_ceil(BLOCK) * BLOCK;
        index += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let entries = vec![
            ("it/a.wav".to_string(), vec![1u8; 1000], 1_700_000_000),
            ("en/b.wav".to_string(), Vec::new(), 0),
            ("it/c.wav".to_string(), vec![7u8; 512], 5),
        ];
        let bytes = write(&entries).unwrap();
        assert_eq!(bytes.len() % BLOCK, 0);
        let back = read(&bytes).unwrap();
        assert_eq!(back.len(), 3);
        for (e, (n, d, _)) in back.iter().zip(&entries) {
            assert_eq!(&e.name, n);
            assert_eq!(&e.data, d);
        }
    }

    #[test]
    fn garbage_is_refused_not_a_panic() {
        assert!(read(&[]).unwrap().is_empty());
        assert_eq!(read(&[1u8; 100]), Err(TarError::Truncated));
        assert!(matches!(
            read(&[b'x'; 1024]),
            Err(TarError::Field { .. } | TarError::Checksum { .. })
        ));
        let mut bytes = write(&[("it/a.wav".into(), vec![1u8; 1000], 0)]).unwrap();
        bytes.truncate(700);
        assert_eq!(read(&bytes), Err(TarError::Truncated));
        let mut bytes = write(&[("it/a.wav".into(), vec![1u8; 10], 0)]).unwrap();
        bytes[0] = b'X';
        assert_eq!(read(&bytes), Err(TarError::Checksum { index: 0 }));
        let long = "x".repeat(101);
        assert!(write(&[(long, vec![], 0)]).is_err());
    }

    #[test]
    fn system_tar_reads_it() {
        // `tar` is on every machine this runs on; skip quietly otherwise.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.tar");
        std::fs::write(
            &file,
            write(&[("it/a.wav".into(), b"hello".to_vec(), 0)]).unwrap(),
        )
        .unwrap();
        let Ok(out) = std::process::Command::new("tar")
            .arg("tf")
            .arg(&file)
            .output()
        else {
            return;
        };
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "it/a.wav");
        // And we read what it makes.
        let src = dir.path().join("src");
        std::fs::create_dir_all(src.join("en")).unwrap();
        std::fs::write(src.join("en/x.wav"), b"abc").unwrap();
        let made = dir.path().join("made.tar");
        let st = std::process::Command::new("tar")
            .arg("cf")
            .arg(&made)
            .arg("-C")
            .arg(&src)
            .arg(".")
            .status()
            .unwrap();
        assert!(st.success());
        let entries = read(&std::fs::read(&made).unwrap()).unwrap();
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert_eq!(entries[0].name, "./en/x.wav");
        assert_eq!(entries[0].data, b"abc");
    }
}
