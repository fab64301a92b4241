//! Configuration: defaults, then `consentflow.toml`, then `CONSENTFLOW_*` variables
//! (`CONSENTFLOW_CENTRE__FAX` for nested keys), and `DATABASE_URL` for the backend.

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use serde::Deserialize;

pub mod intake;
pub mod mail;
pub mod map;
pub mod schedules;

use crate::secret::Secret;

/// Open connections from one address, by default (`max_connections_per_address`).
pub const PER_ADDRESS: usize = 64;

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `sqlite://…` (embedded default) or `postgres://…` (scale-out).
    pub database_url: String,
    /// Connection pools: one for pages and the API, one the job workers keep to themselves.
    pub database: Pools,
    /// Holds the SQLite database and generated secrets.
    pub data_dir: PathBuf,
    /// Address the web server binds. Port 0 picks a free port (tests).
    pub listen: String,
    /// Connections one address may hold open at once (a proxy on this machine counts as one).
    pub max_connections_per_address: usize,
    /// The address people reach the service at, for links in e-mails and the console.
    pub base_url: Option<String>,
    /// Key for the QR payload MAC. Generated into the data directory when absent.
    pub qr_key: Option<Secret>,
    /// Identifies `qr_key`, so keys can rotate while printed forms still verify: one letter
    /// A–Z, printed in every QR code.
    pub qr_key_id: QrKeyId,
    /// Earlier QR keys by their id (`qr_retired_keys.A = "…"`): forms printed under them still
    /// verify; new forms use `qr_key`.
    pub qr_retired_keys: std::collections::BTreeMap<QrKeyId, Secret>,
    /// Key that signs the pre-login CSRF cookie. Generated when absent.
    pub session_key: Option<Secret>,
    pub session_hours: i64,
    /// A bearer token for `/metrics`. Without it, `/metrics` answers only requests from this
    /// machine that no proxy forwarded.
    pub metrics_token: Option<Secret>,
    /// Run the job workers inside `serve` (the one-process default).
    pub run_workers: bool,
    /// How often idle job workers look for work, in milliseconds.
    pub job_poll_ms: u64,
    /// The city that runs the network, as printed on forms (the addressee is its mayor).
    pub city: String,
    /// Optional folder with further form versions (`bessi1/vN/form.toml`), for a city's own
    /// wording without a rebuild. Issued versions must never change.
    pub forms_dir: Option<PathBuf>,
    pub centre: Centre,
    /// FAX intake: the reader's limits, the IMAP mailbox, the hot folder.
    pub intake: intake::IntakeConfig,
    /// Days an enrollment may wait in each state before it shows as overdue (and is reminded).
    pub deadlines: crate::domain::deadline::Deadlines,
    /// Outbound e-mail: sender, transport (file or SMTP), templates.
    pub mail: mail::MailConfig,
    /// Office registration: vouchers, the application rate limit, device enforcement.
    pub offices: Offices,
    /// When the scheduled work runs (cron, Asia/Tokyo).
    pub schedules: schedules::Schedules,
    /// The yearly security-training cycle and its reminders.
    pub training: crate::domain::training::TrainingRules,
    /// Reminders about overdue work.
    pub reminders: schedules::Reminders,
    /// The public 地域資源マップ: its tiles and where it opens.
    pub map: map::MapConfig,
    /// How long an ended enrollment's personal data is kept.
    pub retention: schedules::Retention,
}

/// The two connection pools. The job workers have their own, so a crowd of people opening
/// pages can never take the connections that reading FAXes and sending e-mail need.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Pools {
    /// Connections for pages and the API (per process).
    pub web_connections: u32,
    /// Connections for the job workers, the mailbox and the schedules (per process running them).
    pub worker_connections: u32,
    /// How long a request or a job waits for a free connection before giving up, in seconds.
    pub acquire_timeout_seconds: u64,
}

impl Default for Pools {
    fn default() -> Self {
        Pools {
            web_connections: 10,
            worker_connections: 6,
            acquire_timeout_seconds: 10,
        }
    }
}

impl Pools {
    pub fn web(&self) -> crate::store::PoolSize {
        crate::store::PoolSize {
            max: self.web_connections.max(1),
            acquire_timeout: std::time::Duration::from_secs(self.acquire_timeout_seconds.max(1)),
        }
    }

    pub fn workers(&self) -> crate::store::PoolSize {
        crate::store::PoolSize {
            max: self.worker_connections.max(2),
            acquire_timeout: std::time::Duration::from_secs(self.acquire_timeout_seconds.max(1)),
        }
    }
}

/// Office registration (事業所登録) and its certificates.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Offices {
    /// Days a certificate retrieval No and its password stay valid.
    pub voucher_days: i64,
    /// Wrong passwords before a retrieval No is locked (the city issues another).
    pub voucher_attempts: i64,
    /// Applications one address may send in an hour on the public page.
    pub applications_per_hour: i64,
    /// Office users may sign in only from an enrolled, unrevoked device of their office. Off
    /// by default so a first installation can be tried from any browser; on in production.
    pub require_device: bool,
    /// Addresses told of each new application, besides every city administrator's own.
    pub notify: Vec<String>,
}

impl Default for Offices {
    fn default() -> Self {
        Offices {
            voucher_days: 14,
            voucher_attempts: 5,
            applications_per_hour: 3,
            require_device: false,
            notify: Vec::new(),
        }
    }
}

/// The coordination centre, printed on the consent form.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Centre {
    pub name: String,
    pub address: String,
    pub phone: String,
    pub fax: String,
}

impl Default for Centre {
    fn default() -> Self {
        Centre {
            name: "在宅医療・介護連携推進センター".into(),
            address: "石川町20-32".into(),
            phone: "029-212-3751".into(),
            fax: "029-212-3752".into(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://data/consentflow.db".into(),
            database: Pools::default(),
            data_dir: PathBuf::from("data"),
            listen: "127.0.0.1:8080".into(),
            max_connections_per_address: PER_ADDRESS,
            base_url: None,
            qr_key: None,
            qr_key_id: QrKeyId('A'),
            qr_retired_keys: Default::default(),
            session_key: None,
            session_hours: 12,
            metrics_token: None,
            run_workers: true,
            job_poll_ms: 250,
            city: "ひたちなか市".into(),
            forms_dir: None,
            centre: Centre::default(),
            intake: Default::default(),
            deadlines: Default::default(),
            mail: Default::default(),
            offices: Default::default(),
            schedules: Default::default(),
            training: Default::default(),
            reminders: Default::default(),
            retention: Default::default(),
            map: Default::default(),
        }
    }
}

/// The id of a QR key: one letter A–Z (the QR payload has room for one). Anything else in the
/// configuration is refused at start, never cut to its first letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct QrKeyId(pub char);

impl TryFrom<String> for QrKeyId {
    type Error = String;
    fn try_from(s: String) -> Result<QrKeyId, String> {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_uppercase() => Ok(QrKeyId(c)),
            _ => Err(format!("a QR key id is one letter A–Z, not {s:?}")),
        }
    }
}

/// Secrets after first-run generation: always present.
#[derive(Debug, Clone)]
pub struct Keys {
    pub qr_key: Secret,
    pub qr_key_id: QrKeyId,
    pub qr_retired: Vec<(char, Secret)>,
    pub session_key: Secret,
}

impl Keys {
    /// The QR key with id `id`: the current one, or a retired one.
    pub fn qr_key_for(&self, id: char) -> Option<&[u8]> {
        if self.qr_key_id.0 == id {
            return Some(self.qr_key.expose().as_bytes());
        }
        self.qr_retired
            .iter()
            .find(|(k, _)| *k == id)
            .map(|(_, s)| s.expose().as_bytes())
    }
}

impl Config {
    /// Loads the layered configuration. `file` defaults to `consentflow.toml` (optional).
    pub fn load(file: Option<&Path>) -> Result<Config, Box<figment::Error>> {
        let file = file.unwrap_or(Path::new("consentflow.toml"));
        Figment::new()
            .merge(Toml::file(file))
            .merge(Env::prefixed("CONSENTFLOW_").split("__"))
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .extract()
            .map_err(Box::new)
    }

    /// Fills in missing secrets from, or generates them into, `data_dir/secrets/`.
    pub fn keys(&self) -> std::io::Result<Keys> {
        let dir = self.data_dir.join("secrets");
        let qr_key = match &self.qr_key {
            Some(k) => k.clone(),
            None => Secret::load_or_create(&dir.join("qr.key"))?,
        };
        let session_key = match &self.session_key {
            Some(k) => k.clone(),
            None => Secret::load_or_create(&dir.join("session.key"))?,
        };
        Ok(Keys {
            qr_key,
            qr_key_id: self.qr_key_id,
            qr_retired: self
                .qr_retired_keys
                .iter()
                .map(|(id, k)| (id.0, k.clone()))
                .collect(),
            session_key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API fixes the closure's error type
    fn layers_file_then_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "consentflow.toml",
                "listen = \"0.0.0.0:9000\"\nqr_key = \"from-file\"\n[centre]\nfax = \"03-0000-0000\"\n",
            )?;
            jail.set_env("CONSENTFLOW_LISTEN", "127.0.0.1:9999");
            jail.set_env("DATABASE_URL", "postgres://postgres@127.0.0.1/x");
            let c = Config::load(None).expect("loads");
            assert_eq!(c.listen, "127.0.0.1:9999");
            assert_eq!(c.database_url, "postgres://postgres@127.0.0.1/x");
            assert_eq!(c.centre.fax, "03-0000-0000");
            assert_eq!(c.centre.phone, "029-212-3751");
            assert_eq!(c.qr_key.as_ref().map(|s| s.expose()), Some("from-file"));
            assert!(!format!("{c:?}").contains("from-file"));
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API fixes the closure's error type
    fn a_qr_key_id_is_one_capital_letter() {
        assert_eq!(QrKeyId::try_from("B".to_string()), Ok(QrKeyId('B')));
        for bad in ["AB", "a", "", "Ａ"] {
            assert!(QrKeyId::try_from(bad.to_string()).is_err(), "{bad:?}");
        }
        figment::Jail::expect_with(|jail| {
            jail.set_env("CONSENTFLOW_QR_KEY_ID", "AB");
            let e = Config::load(None).expect_err("two letters are refused");
            assert!(e.to_string().contains("one letter"), "{e}");
            Ok(())
        });
    }
}
