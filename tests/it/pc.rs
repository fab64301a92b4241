//! A PC in the tests: its own cookies (session, device), pages and forms; and the e-mails the
//! file transport delivered.

use super::helpers::{csrf_of, eventually, TestApp};

/// One PC: its own cookies (session, device).
pub struct Pc {
    pub client: reqwest::Client,
    base: String,
}

pub type Page = (u16, String, Option<String>, Option<String>);

impl Pc {
    pub fn new(a: &TestApp) -> Pc {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .unwrap();
        Pc {
            client,
            base: a.url(""),
        }
    }

    async fn done(r: reqwest::Response) -> Page {
        let header = |k: &str| r.headers().get(k).map(|v| v.to_str().unwrap().to_string());
        let (loc, cookie) = (header("location"), header("set-cookie"));
        let s = r.status().as_u16();
        (s, r.text().await.unwrap(), loc, cookie)
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::done(
            self.client
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        Self::done(r).await
    }

    /// Posts a form of the page at `page` (its CSRF token included).
    pub async fn submit(&self, page: &str, path: &str, form: &[(&str, &str)]) -> Page {
        let (_, html, _, _) = self.get(page).await;
        let csrf = csrf_of(&html);
        let mut f = form.to_vec();
        f.push(("csrf", &csrf));
        self.post(path, &f).await
    }

    /// Where a post's redirect leads, as the browser would show it (with its notice); any
    /// other answer as it came.
    pub async fn follow(&self, p: Page) -> Page {
        match (&p.0, &p.2) {
            (303, Some(to)) => self.get(to).await,
            _ => p,
        }
    }

    pub async fn login(&self, login: &str, password: &str) -> Page {
        self.submit(
            "/login",
            "/login",
            &[("login", login), ("password", password)],
        )
        .await
    }
}

/// The delivered e-mails (file transport) of `template`, oldest first: (to, subject, body).
pub fn delivered(a: &TestApp, template: &str) -> Vec<(String, String, String)> {
    let dir = a.config.data_dir.join("mail");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.to_string_lossy().ends_with(&format!("-{template}.eml")));
    files.sort();
    files
        .iter()
        .map(|p| {
            let raw = std::fs::read(p).unwrap();
            let m = mail_parser::MessageParser::default().parse(&raw).unwrap();
            let to = m
                .to()
                .unwrap()
                .first()
                .unwrap()
                .address()
                .unwrap()
                .to_string();
            (
                to,
                m.subject().unwrap().to_string(),
                m.body_text(0).unwrap().to_string(),
            )
        })
        .collect()
}

/// Waits for the `n`th e-mail of `template`.
pub async fn nth_mail(a: &TestApp, template: &str, n: usize) -> (String, String, String) {
    eventually(30, || async { delivered(a, template).get(n - 1).cloned() })
        .await
        .unwrap_or_else(|| panic!("e-mail {n} of {template} delivered"))
}

/// The value after `label` on its line in an e-mail body.
pub fn field(body: &str, label: &str) -> String {
    let line = body
        .lines()
        .find(|l| l.contains(label))
        .unwrap_or_else(|| panic!("{label} in {body}"));
    line.split_once(label).unwrap().1.trim().to_string()
}
