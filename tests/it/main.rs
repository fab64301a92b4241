//! Integration tests: the real application on port 0 against a fresh database, driven over HTTP.
//! One binary (faster to link); each module is one area.

mod access;
mod access_writes;
mod browser;
mod centre_work;
mod cli;
mod drills;
mod forms;
mod helpers;
mod hostile;
mod intake;
mod intake_drills;
mod intake_sources;
mod mail;
mod matrix;
mod new_enrollment;
mod nodes;
mod office_info;
mod offices;
mod outbox;
mod overview;
mod pc;
mod pg_restart;
mod print_pages;
mod reconcile;
mod schedule_nodes;
mod schedules;
mod security;
mod smtp;
mod split;
mod story;
mod suspension;
mod training;
mod web;
mod web_security;
