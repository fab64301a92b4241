//! Use cases: each one opens a transaction, asks the domain, writes the change and its audit
//! event, and commits. Web pages, the API and the CLI all call these.

pub mod accounts;
pub mod additions;
pub mod batches;
pub mod checks;
pub mod copies;
pub mod device_rule;
pub mod devices;
pub mod enrollments;
pub mod fax;
pub mod forms;
pub mod handover;
pub mod incidents;
pub mod map;
pub mod ocr;
pub mod office_admin;
pub mod office_changes;
pub mod overview;
pub mod reads;
pub mod reconcile;
pub mod reconcile_addition;
pub mod registration;
pub mod report;
pub mod report_counts;
pub mod report_doc;
pub mod retention;
pub mod subject;
pub mod suspension;
pub mod team;
pub mod throttle;
pub mod todo;
pub mod tokens;
pub mod training;
