#!/usr/bin/env bash
# The crash and outage drills at full strength (issue #9); CI runs the same tests lighter.
#   - `consentflow worker` SIGKILLed DRILL_KILLS (60) times at random moments while it reads FAX
#     mail over IMAP and sends e-mail over SMTP, then started again: nothing lost, nothing twice.
#   - IMAP and SMTP servers down, then back; PostgreSQL restarted mid-run.
# Needs PostgreSQL on 127.0.0.1:5432, dovecot, smtpd (OpenSMTPD), ghostscript and initdb.
set -euo pipefail
cd "$(dirname "$0")/.."
export CONSENTFLOW_DRILL_KILLS=${DRILL_KILLS:-60}
export CONSENTFLOW_REQUIRE_POSTGRES=1 CONSENTFLOW_REQUIRE_TOOLS=1
cargo test --test it -- --nocapture --test-threads 1 \
  drills:: pg_restart:: intake_drills::killed_workers 2>&1 | grep -E '^(test |e-mails|[0-9]+ kills|test result)'
