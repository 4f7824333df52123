//! Files adapter: [`LocalFileStorage`] (the embedded profile's storage, a
//! directory on disk) and [`SpreadsheetCodec`] (CSV via `csv`, XLSX read
//! via `calamine` and written via `rust_xlsxwriter`).
//!
//! Keys are relative, `/`-separated paths; anything that could escape the
//! root (`..`, absolute paths, backslashes, empty segments) is refused, so
//! a key built from user input can never reach outside the storage root.

mod codec;
mod local;

pub use codec::SpreadsheetCodec;
pub use local::LocalFileStorage;
