//! [`TabularCodec`] for CSV and XLSX.

use calamine::Reader;
use frontdesk_kernel::files::{FileError, Table, TabularCodec, TabularFormat};
use std::io::Cursor;

/// CSV and XLSX, first row as headers.
#[derive(Clone, Copy, Debug, Default)]
pub struct SpreadsheetCodec;

fn unreadable(format: TabularFormat, message: impl ToString) -> FileError {
    FileError::Unreadable { format: format.as_str(), message: message.to_string() }
}

fn read_csv(bytes: &[u8]) -> Result<Table, FileError> {
    // A UTF-8 byte-order mark (Excel's "CSV UTF-8") is not part of the first header.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(bytes);
    let headers = reader.headers().map_err(|e| unreadable(TabularFormat::Csv, e))?.iter().map(str::to_owned).collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| unreadable(TabularFormat::Csv, e))?;
        rows.push(record.iter().map(str::to_owned).collect());
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

fn read_xlsx(bytes: &[u8]) -> Result<Table, FileError> {
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| unreadable(TabularFormat::Xlsx, e))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| unreadable(TabularFormat::Xlsx, "the workbook has no sheet"))?
        .map_err(|e| unreadable(TabularFormat::Xlsx, e))?;
    let mut rows = range.rows().map(|row| row.iter().map(|c| cell_text(c).trim().to_owned()).collect::<Vec<_>>());
    let headers = rows.next().unwrap_or_default();
    Ok(Table { headers, rows: rows.collect() })
}

fn write_csv(table: &Table) -> Result<Vec<u8>, FileError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&table.headers).map_err(FileError::unavailable)?;
    for row in &table.rows {
        writer.write_record(row).map_err(FileError::unavailable)?;
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
            // Strings, always: a phone number must not become a float.
            sheet.write_string(r, c, value).map_err(FileError::unavailable)?;
        }
    }
    workbook.save_to_buffer().map_err(FileError::unavailable)
}

impl TabularCodec for SpreadsheetCodec {
    fn read(&self, format: TabularFormat, bytes: &[u8]) -> Result<Table, FileError> {
        match format {
            TabularFormat::Csv => read_csv(bytes),
            TabularFormat::Xlsx => read_xlsx(bytes),
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

    fn table() -> Table {
        Table {
            headers: vec!["name".into(), "phone".into(), "notes".into()],
            rows: vec![
                vec!["Ana, \"the\" roofer".into(), "+14155552671".into(), "line one\nline two".into()],
                vec!["Bob".into(), "4155552672".into(), String::new()],
            ],
        }
    }

    #[test]
    fn csv_and_xlsx_round_trip_text_exactly() {
        for format in TabularFormat::ALL {
            let bytes = SpreadsheetCodec.write(*format, &table()).unwrap();
            assert_eq!(SpreadsheetCodec.read(*format, &bytes).unwrap(), table(), "{format}");
        }
    }

    #[test]
    fn csv_tolerates_a_bom_ragged_rows_and_spaces() {
        let bytes = b"\xEF\xBB\xBFname , phone\n Ana ,+1415\nBob\nCarla,1,extra\n";
        let parsed = SpreadsheetCodec.read(TabularFormat::Csv, bytes).unwrap();
        assert_eq!(parsed.headers, ["name", "phone"]);
        assert_eq!(parsed.rows, vec![vec!["Ana", "+1415"], vec!["Bob"], vec!["Carla", "1", "extra"]]);
    }

    #[test]
    fn garbage_is_reported_as_unreadable() {
        let err = SpreadsheetCodec.read(TabularFormat::Xlsx, b"not a zip").unwrap_err();
        assert!(matches!(err, FileError::Unreadable { format: "xlsx", .. }), "{err:?}");
        let err = SpreadsheetCodec.read(TabularFormat::Csv, b"a,b\n\xff\xfe,x").unwrap_err();
        assert!(matches!(err, FileError::Unreadable { format: "csv", .. }), "{err:?}");
    }

    #[test]
    fn whole_floats_read_back_as_typed() {
        assert_eq!(cell_text(&calamine::Data::Float(14_155_552_671.0)), "14155552671");
        assert_eq!(cell_text(&calamine::Data::Float(2.5)), "2.5");
    }
}
