//! A gzip-compressed tar archive of named files, as a subject-access export hands them out:
//! every entry a regular file, read-only, dated `mtime` (seconds since the epoch), under
//! one top folder. Names are sanitised so no entry leaves the folder.

use std::io::Write;

/// One file of an archive: its path under the top folder and its bytes.
pub struct Entry {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// A name safe as one path part: letters, digits, `.`, `-`, `_` kept, anything else `_`,
/// no leading dot, at most 100 characters, never empty.
pub fn safe_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    while s.starts_with('.') {
        s.replace_range(..1, "_");
    }
    if s.is_empty() {
        s.push('_');
    }
    s
}

/// The archive of `entries` under `folder` (each path part made [`safe_name`]).
pub fn tar_gz(folder: &str, entries: &[Entry], mtime: u64) -> std::io::Result<Vec<u8>> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let top = safe_name(folder);
    for e in entries {
        let parts: Vec<String> = e
            .path
            .split('/')
            .filter(|p| !p.is_empty())
            .map(safe_name)
            .collect();
        let path = format!("{top}/{}", parts.join("/"));
        let mut h = tar::Header::new_gnu();
        h.set_size(e.bytes.len() as u64);
        h.set_mode(0o444);
        h.set_mtime(mtime);
        h.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut h, &path, e.bytes.as_slice())?;
    }
    let mut gz = tar.into_inner()?;
    gz.flush()?;
    gz.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn names_stay_inside_the_folder() {
        assert_eq!(safe_name("../../etc/passwd"), "_._.._etc_passwd");
        assert_eq!(safe_name(".hidden"), "_hidden");
        assert_eq!(safe_name(""), "_");
        assert_eq!(safe_name("Befund März.pdf"), "Befund_M_rz.pdf");
    }

    #[test]
    fn an_archive_reads_back() {
        let bytes = tar_gz(
            "P-1 export",
            &[
                Entry {
                    path: "subject.json".into(),
                    bytes: b"{}".to_vec(),
                },
                Entry {
                    path: "files/3/../x.txt".into(),
                    bytes: b"hello".to_vec(),
                },
            ],
            1_700_000_000,
        )
        .expect("archive");
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
        let mut seen = Vec::new();
        for e in tar.entries().expect("entries") {
            let mut e = e.expect("entry");
            let path = e.path().expect("path").to_string_lossy().into_owned();
            let mut body = String::new();
            e.read_to_string(&mut body).expect("read");
            seen.push((path, body));
        }
        assert_eq!(
            seen,
            [
                ("P-1_export/subject.json".to_string(), "{}".to_string()),
                (
                    "P-1_export/files/3/_./x.txt".to_string(),
                    "hello".to_string()
                )
            ]
        );
    }
}
