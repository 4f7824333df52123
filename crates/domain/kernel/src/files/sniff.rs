//! What an uploaded file *is*, read from its first bytes — never from the
//! name or the `Content-Type` a client declared, which an attacker chooses.
//! Only kinds on the allow-list are stored: images, PDF, audio (call
//! recordings, voicemail), spreadsheets and plain text/CSV. HTML, SVG,
//! scripts, executables and archives are refused, so a stored file can never
//! become a page that runs in a browser under our (or the bucket's) origin.

/// An allowed kind of file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sniffed {
    /// The MIME type stored and served.
    pub content_type: &'static str,
    /// The usual extension (without the dot).
    pub extension: &'static str,
}

const fn kind(content_type: &'static str, extension: &'static str) -> Option<Sniffed> {
    Some(Sniffed { content_type, extension })
}

/// The allowed kinds, for error messages and the API documentation.
pub const ALLOWED: &str = "PNG, JPEG, GIF, WebP, PDF, MP3, WAV, OGG, M4A/MP4, XLSX, DOCX, CSV or plain UTF-8 text";

/// How far into a zip the sniffer looks for the entry names that tell an
/// XLSX from a DOCX from any other zip (Office writes them first).
const ZIP_WINDOW: usize = 64 * 1024;

/// The kind of `bytes`, or `None` when it is not on the allow-list.
/// `name` only chooses between CSV and plain text, which have no signature.
#[must_use]
pub fn sniff(bytes: &[u8], name: &str) -> Option<Sniffed> {
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    if at(0, b"\x89PNG\r\n\x1a\n") {
        return kind("image/png", "png");
    }
    if at(0, b"\xff\xd8\xff") {
        return kind("image/jpeg", "jpg");
    }
    if at(0, b"GIF87a") || at(0, b"GIF89a") {
        return kind("image/gif", "gif");
    }
    if at(0, b"RIFF") && at(8, b"WEBP") {
        return kind("image/webp", "webp");
    }
    if at(0, b"RIFF") && at(8, b"WAVE") {
        return kind("audio/wav", "wav");
    }
    if at(0, b"%PDF-") {
        return kind("application/pdf", "pdf");
    }
    if at(0, b"OggS") {
        return kind("audio/ogg", "ogg");
    }
    if at(0, b"ID3") || is_mp3_frame(bytes) {
        return kind("audio/mpeg", "mp3");
    }
    if at(4, b"ftyp") {
        return if at(8, b"M4A ") { kind("audio/mp4", "m4a") } else { kind("video/mp4", "mp4") };
    }
    if at(0, b"PK\x03\x04") {
        let window = &bytes[..bytes.len().min(ZIP_WINDOW)];
        let holds = |needle: &[u8]| window.windows(needle.len()).any(|w| w == needle);
        return if holds(b"xl/") {
            kind(super::TabularFormat::Xlsx.content_type(), "xlsx")
        } else if holds(b"word/") {
            kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
        } else {
            None
        };
    }
    if is_plain_text(bytes) {
        let csv = name.rsplit_once('.').is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("csv"));
        return if csv { kind("text/csv", "csv") } else { kind("text/plain", "txt") };
    }
    None
}

/// An MPEG audio layer III frame header (no ID3 tag): 11 sync bits, a
/// version other than "reserved", layer III, a bitrate other than "bad".
fn is_mp3_frame(bytes: &[u8]) -> bool {
    match bytes {
        [0xff, b1, b2, ..] => {
            b1 & 0xe0 == 0xe0 && (b1 >> 3) & 0b11 != 0b01 && (b1 >> 1) & 0b11 == 0b01 && b2 >> 4 != 0xf
        }
        _ => false,
    }
}

/// UTF-8 (a BOM allowed) with no NUL or control character but tab, CR and
/// LF, and not markup a browser would render: text that starts with `<` is
/// refused (HTML, SVG, XML).
fn is_plain_text(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(bytes) else { return false };
    !text.is_empty()
        && !text.trim_start().starts_with('<')
        && !text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ct(bytes: &[u8], name: &str) -> Option<&'static str> {
        sniff(bytes, name).map(|k| k.content_type)
    }

    #[test]
    fn known_signatures_are_recognised_whatever_the_name_says() {
        assert_eq!(ct(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "x.pdf"), Some("image/png"));
        assert_eq!(ct(b"\xff\xd8\xff\xe0\0\x10JFIF", "x.txt"), Some("image/jpeg"));
        assert_eq!(ct(b"GIF89a\x01\0", "x"), Some("image/gif"));
        assert_eq!(ct(b"RIFF\x24\0\0\0WEBPVP8 ", "x"), Some("image/webp"));
        assert_eq!(ct(b"RIFF\x24\0\0\0WAVEfmt ", "x"), Some("audio/wav"));
        assert_eq!(ct(b"%PDF-1.7\n", "x"), Some("application/pdf"));
        assert_eq!(ct(b"OggS\0\x02", "x"), Some("audio/ogg"));
        assert_eq!(ct(b"ID3\x04\0\0", "x"), Some("audio/mpeg"));
        assert_eq!(ct(&[0xff, 0xfb, 0x90, 0x64], "x"), Some("audio/mpeg"));
        assert_eq!(ct(b"\0\0\0\x20ftypM4A \0\0", "x"), Some("audio/mp4"));
        assert_eq!(ct(b"\0\0\0\x20ftypisom\0\0", "x"), Some("video/mp4"));
        assert_eq!(ct(b"PK\x03\x04....[Content_Types].xml....xl/workbook.xml", "x"), Some(sheet()));
        assert_eq!(ct(b"PK\x03\x04....word/document.xml", "x.xlsx").map(|c| c.contains("word")), Some(true));
    }

    fn sheet() -> &'static str {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    }

    #[test]
    fn text_is_csv_only_when_named_so() {
        assert_eq!(ct(b"name,phone\nAna,+15551234567\n", "leads.CSV"), Some("text/csv"));
        assert_eq!(ct(b"\xef\xbb\xbfname,phone\r\n", "leads.csv"), Some("text/csv"));
        assert_eq!(ct("Notes: caf\u{e9}\tok\n".as_bytes(), "notes"), Some("text/plain"));
    }

    #[test]
    fn dangerous_or_unknown_content_is_refused() {
        for (bytes, name) in [
            (&b"<html><script>alert(1)</script>"[..], "x.png"),
            (b"  <svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "x.csv"),
            (b"<?xml version='1.0'?><x/>", "x.txt"),
            (b"MZ\x90\0\x03\0\0\0", "setup.pdf"),
            (b"\x7fELF\x02\x01\x01", "x"),
            (b"PK\x03\x04....payload.exe", "x.xlsx"),
            (b"#!/bin/sh\nrm -rf /\0", "x.txt"),
            (b"text with a \x1b[31m escape", "x.txt"),
            (b"\xff\xfe\x00\x00", "x.txt"),
            (b"", "empty.txt"),
            (b"\xc3\x28 invalid utf-8", "x.csv"),
            ("\u{feff}<svg onload=alert(1)>".as_bytes(), "x.txt"),
            ("\u{feff}".as_bytes(), "x.txt"),
        ] {
            assert_eq!(sniff(bytes, name), None, "{:?}", String::from_utf8_lossy(bytes));
        }
    }

    proptest! {
        #[test]
        fn any_bytes_are_classified_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..256), name in ".{0,20}") {
            let found = sniff(&bytes, &name);
            if let Some(kind) = found {
                prop_assert!(!kind.content_type.contains("html") && !kind.content_type.contains("svg"));
            }
        }

        #[test]
        fn every_printable_text_is_accepted_unless_it_opens_with_markup(text in "[^\\p{Cc}]{1,200}") {
            // A leading BOM is skipped as browsers skip it: "\u{feff}<" is markup, a lone BOM is empty.
            let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
            let expected = !body.is_empty() && !body.trim_start().starts_with('<');
            prop_assert_eq!(sniff(text.as_bytes(), "a.txt").is_some(), expected);
        }
    }
}
