//! consentflow's document engine.
//!
//! Pure document work: it is handed bytes and gives bytes or values back. It knows nothing of
//! databases, HTTP or job queues, so every piece here can be fuzzed and benchmarked on its own.

pub mod check;
pub mod code;
pub mod fax;
pub mod form;
#[doc(hidden)]
pub mod fuzzing;
pub mod mail;
pub mod ocr;
pub mod payload;
pub mod pdf;
pub mod report;

pub use code::{CodeError, EnrollmentCode};
pub use payload::{FormKind, Payload, PayloadError};
