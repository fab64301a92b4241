//! The statuses rows carry, as enums: a FAX page's outcome, a FAX message's progress, an
//! outbox e-mail's status and a print batch's. The database stores the same words as text; a
//! word the code does not know is an error where the row is read (`TryFrom<String>`, used by
//! the store's rows through `#[sqlx(try_from = "String")]`).

/// Declares a status enum stored as text: `as_str`, `parse`, `ALL`, `Display`, `TryFrom<String>`
/// and serde as the same words.
macro_rules! status {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownStatus;
            fn try_from(s: String) -> Result<$name, UnknownStatus> {
                $name::parse(&s).ok_or(UnknownStatus { kind: stringify!($name), text: s })
            }
        }
    };
}

/// A status word in the database that the code does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStatus {
    pub kind: &'static str,
    pub text: String,
}

impl std::fmt::Display for UnknownStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown {} {:?}", self.kind, self.text)
    }
}

impl std::error::Error for UnknownStatus {}

status! {
    /// What became of a received FAX page.
    PageOutcome {
        /// Matched to an enrollment's form (by its code, or by hand).
        Matched = "matched",
        /// No code could be read: waits for a person.
        Unreadable = "unreadable",
        /// A code was read but cannot be used (signature, form kind, two forms): waits too.
        Invalid = "invalid",
        /// The same page of the same copy came before.
        Duplicate = "duplicate",
        /// From a form version that a newer one replaced: a person checks it.
        Superseded = "superseded",
        /// Settled by a person as not a consent form.
        Discarded = "discarded",
    }
}

/// A page not yet decided waits for a person.
impl Default for PageOutcome {
    fn default() -> Self {
        PageOutcome::Unreadable
    }
}

impl PageOutcome {
    pub fn label_ja(self) -> &'static str {
        match self {
            PageOutcome::Matched => "照合済",
            PageOutcome::Unreadable => "未照合",
            PageOutcome::Invalid => "無効",
            PageOutcome::Duplicate => "重複",
            PageOutcome::Superseded => "旧版",
            PageOutcome::Discarded => "対象外",
        }
    }

    /// Waits for a person in the inbox (until resolved).
    pub fn needs_a_person(self) -> bool {
        matches!(self, PageOutcome::Unreadable | PageOutcome::Invalid)
    }
}

status! {
    /// How far a received FAX message is.
    MessageStatus {
        Stored = "stored",
        Processed = "processed",
        Failed = "failed",
    }
}

status! {
    /// An outbox e-mail.
    MailStatus {
        Pending = "pending",
        Sent = "sent",
        Failed = "failed",
    }
}

status! {
    /// A print batch.
    BatchStatus {
        Queued = "queued",
        Running = "running",
        Done = "done",
        Failed = "failed",
    }
}

impl MessageStatus {
    pub fn label_ja(self) -> &'static str {
        match self {
            MessageStatus::Stored => "読み取り待ち",
            MessageStatus::Processed => "読み取り済み",
            MessageStatus::Failed => "要確認",
        }
    }
}

impl MailStatus {
    pub fn label_ja(self) -> &'static str {
        match self {
            MailStatus::Pending => "送信待ち",
            MailStatus::Sent => "送信済み",
            MailStatus::Failed => "送信失敗",
        }
    }
}

impl BatchStatus {
    /// Finished one way or the other: a retried job does nothing.
    pub fn finished(self) -> bool {
        matches!(self, BatchStatus::Done | BatchStatus::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back_as_itself() {
        for o in PageOutcome::ALL {
            assert_eq!(PageOutcome::try_from(o.as_str().to_string()), Ok(*o));
        }
        for s in MailStatus::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    #[test]
    fn an_unknown_word_is_an_error_naming_the_kind() {
        let e = BatchStatus::try_from("finished".to_string()).unwrap_err();
        assert_eq!(e.to_string(), "unknown BatchStatus \"finished\"");
    }
}

status! {
    /// What the field checks saw in a field of a received front page (#20).
    FieldVerdict {
        /// 記入あり.
        Filled = "filled",
        /// 空欄.
        Empty = "empty",
        /// 判定できません: the page could not be registered closely enough.
        Undecided = "undecided",
    }
}

impl FieldVerdict {
    pub fn label_ja(self) -> &'static str {
        match self {
            FieldVerdict::Filled => "記入あり",
            FieldVerdict::Empty => "空欄",
            FieldVerdict::Undecided => "判定できません",
        }
    }
}

status! {
    /// A field of 別紙1 the checks look at.
    CheckedField {
        /// 同意日.
        ConsentDate = "consent_date",
        /// 本人署名.
        Signature = "signature",
        /// 代理人署名.
        ProxySignature = "proxy_signature",
        /// 続柄.
        Relationship = "relationship",
    }
}

impl CheckedField {
    pub fn label_ja(self) -> &'static str {
        match self {
            CheckedField::ConsentDate => "同意日",
            CheckedField::Signature => "本人署名",
            CheckedField::ProxySignature => "代理人署名",
            CheckedField::Relationship => "続柄",
        }
    }
}

status! {
    /// What OCR came to on a page without a code of ours (#20). A page with a code is not read.
    OcrStatus {
        /// The text was read (it may still name no one).
        Read = "read",
        /// `intake.ocr_seconds` is 0.
        Off = "off",
        /// No Tesseract with Japanese on the machine that read the page.
        NotInstalled = "not_installed",
        /// Past `intake.ocr_seconds`: left to a person.
        TimedOut = "timed_out",
        Failed = "failed",
    }
}

impl OcrStatus {
    /// What the page view says, when OCR gave nothing.
    pub fn notice_ja(self) -> Option<&'static str> {
        match self {
            OcrStatus::Read => None,
            OcrStatus::Off => Some("OCR（文字の読み取り）は使用しない設定です。"),
            OcrStatus::NotInstalled => Some("OCRがインストールされていません。"),
            OcrStatus::TimedOut => Some("OCRが時間内に終わりませんでした。"),
            OcrStatus::Failed => Some("OCRで読み取れませんでした。"),
        }
    }
}

status! {
    /// What a 報告義務 report is about (#21): the information-security incidents the guide
    /// names, system trouble, or something else.
    IncidentKind {
        /// 紛失・盗難 (a PC, a phone, paper).
        LostOrStolen = "lost_or_stolen",
        /// 誤送信.
        Misdelivery = "misdelivery",
        /// ID・パスワードの漏洩.
        CredentialLeak = "credential_leak",
        /// 不正アクセスの疑い.
        UnauthorizedAccess = "unauthorized_access",
        /// ウイルス.
        Virus = "virus",
        /// システムの不具合.
        SystemFault = "system_fault",
        /// その他.
        Other = "other",
    }
}

impl IncidentKind {
    pub fn label_ja(self) -> &'static str {
        match self {
            IncidentKind::LostOrStolen => "紛失・盗難",
            IncidentKind::Misdelivery => "誤送信",
            IncidentKind::CredentialLeak => "ID・パスワードの漏洩",
            IncidentKind::UnauthorizedAccess => "不正アクセスの疑い",
            IncidentKind::Virus => "ウイルス",
            IncidentKind::SystemFault => "システムの不具合",
            IncidentKind::Other => "その他",
        }
    }

    /// 情報セキュリティ事故, as opposed to system trouble or other matters.
    pub fn is_security(self) -> bool {
        !matches!(self, IncidentKind::SystemFault | IncidentKind::Other)
    }

    /// Its group and itself: 「情報セキュリティ事故（誤送信）」.
    pub fn full_label_ja(self) -> String {
        if self.is_security() {
            format!("情報セキュリティ事故（{}）", self.label_ja())
        } else {
            self.label_ja().to_string()
        }
    }
}

status! {
    /// Where the city's handling of a report stands: 受付 → 対応中 → 完了.
    IncidentState {
        /// 受付.
        Received = "received",
        /// 対応中.
        InProgress = "in_progress",
        /// 完了.
        Done = "done",
    }
}

impl IncidentState {
    pub fn label_ja(self) -> &'static str {
        match self {
            IncidentState::Received => "受付",
            IncidentState::InProgress => "対応中",
            IncidentState::Done => "完了",
        }
    }

    /// Forward only: a report once 完了 stays so (a new matter is a new report).
    pub fn may_become(self, next: IncidentState) -> bool {
        matches!(
            (self, next),
            (IncidentState::Received, IncidentState::InProgress)
                | (IncidentState::Received, IncidentState::Done)
                | (IncidentState::InProgress, IncidentState::Done)
        )
    }
}

status! {
    /// A request between two parties (#22: a new obtainer office, a staff transfer, an office's
    /// closure): open until the other side answers or the asking side withdraws it.
    RequestState {
        /// 回答待ち.
        Open = "open",
        /// 承諾（実施済み）.
        Accepted = "accepted",
        /// 辞退・却下.
        Declined = "declined",
        /// 取り下げ.
        Withdrawn = "withdrawn",
    }
}

impl RequestState {
    pub fn label_ja(self) -> &'static str {
        match self {
            RequestState::Open => "回答待ち",
            RequestState::Accepted => "実施済み",
            RequestState::Declined => "辞退・却下",
            RequestState::Withdrawn => "取り下げ",
        }
    }
}
