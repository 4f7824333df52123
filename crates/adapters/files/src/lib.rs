//! Files adapter: [`LocalFileStorage`] (the embedded profile's storage, a
//! directory on disk) and [`SpreadsheetCodec`] (CSV via `csv`, XLSX read
//! via `calamine` and written via `rust_xlsxwriter`), and [`SignedLinks`]
//! (download links the api serves and checks itself, for local storage).
//!
//! Keys are relative, `/`-separated paths; anything that could escape the
//! root (`..`, absolute paths, backslashes, empty segments) is refused, so
//! a key built from user input can never reach outside the storage root.

mod codec;
mod links;
mod local;

pub use codec::SpreadsheetCodec;
pub use links::{DOWNLOAD_PATH, SignedLinks};
pub use local::LocalFileStorage;
