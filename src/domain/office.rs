//! Offices (利用事業所) and their kinds (施設属性).

use serde::{Deserialize, Serialize};

use super::person::{Email, Phone};
use super::{FieldError, FieldErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfficeKind {
    Clinic,
    Hospital,
    Pharmacy,
    HomeCareSupport,
    VisitingNursing,
    CommunityCentre,
    Other,
}

impl OfficeKind {
    pub const ALL: [OfficeKind; 7] = [
        OfficeKind::Clinic,
        OfficeKind::Hospital,
        OfficeKind::Pharmacy,
        OfficeKind::HomeCareSupport,
        OfficeKind::VisitingNursing,
        OfficeKind::CommunityCentre,
        OfficeKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OfficeKind::Clinic => "clinic",
            OfficeKind::Hospital => "hospital",
            OfficeKind::Pharmacy => "pharmacy",
            OfficeKind::HomeCareSupport => "home_care_support",
            OfficeKind::VisitingNursing => "visiting_nursing",
            OfficeKind::CommunityCentre => "community_centre",
            OfficeKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<OfficeKind> {
        OfficeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The Japanese label of a stored kind ("—" for one this version does not know).
    pub fn label_of(stored: &str) -> &'static str {
        OfficeKind::parse(stored).map_or("—", OfficeKind::label_ja)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            OfficeKind::Clinic => "クリニック",
            OfficeKind::Hospital => "病院",
            OfficeKind::Pharmacy => "薬局",
            OfficeKind::HomeCareSupport => "居宅介護支援",
            OfficeKind::VisitingNursing => "訪問看護",
            OfficeKind::CommunityCentre => "地域包括支援センター",
            OfficeKind::Other => "その他",
        }
    }
}

/// A validated office, ready to store.
#[derive(Debug, Clone)]
pub struct NewOffice {
    pub kind: OfficeKind,
    pub name: String,
    pub phone: Phone,
    pub fax: Phone,
    pub address: String,
    pub admin_email: Email,
}

impl NewOffice {
    pub fn parse(
        kind: &str,
        name: &str,
        phone: &str,
        fax: &str,
        address: &str,
        admin_email: &str,
    ) -> Result<NewOffice, FieldErrors> {
        let mut e = FieldErrors::default();
        let o = Self::parse_into(&mut e, kind, name, phone, fax, address, admin_email);
        e.finish(|| o)
    }

    /// Parses every field, adding each refusal to `e`: a form shows them all at once.
    fn parse_into(
        e: &mut FieldErrors,
        kind: &str,
        name: &str,
        phone: &str,
        fax: &str,
        address: &str,
        admin_email: &str,
    ) -> Option<NewOffice> {
        let kind = e.take(
            OfficeKind::parse(kind)
                .ok_or_else(|| FieldError::new("kind", "施設属性を選んでください。")),
        );
        let name = e.take(super::text::bounded_text("name", name, 100, "事業所名"));
        let address = e.take(super::text::bounded_text("address", address, 200, "所在地"));
        let phone = e.take(Phone::parse("phone", phone));
        let fax = e.take(Phone::parse("fax", fax));
        let admin_email = e.take(Email::parse("admin_email", admin_email));
        Some(NewOffice {
            kind: kind?,
            name: name?,
            phone: phone?,
            fax: fax?,
            address: address?,
            admin_email: admin_email?,
        })
    }
}

/// ① An application on the public page: the office, and who will administer it.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub office: NewOffice,
    pub admin_name: String,
}

impl NewApplication {
    #[allow(clippy::too_many_arguments)] // one per field of the form, named at the call
    pub fn parse(
        kind: &str,
        name: &str,
        address: &str,
        phone: &str,
        fax: &str,
        admin_name: &str,
        admin_email: &str,
    ) -> Result<NewApplication, FieldErrors> {
        let mut e = FieldErrors::default();
        let office = NewOffice::parse_into(&mut e, kind, name, phone, fax, address, admin_email);
        let admin_name = e.take(super::text::bounded_text(
            "admin_name",
            admin_name,
            40,
            "管理者名",
        ));
        e.finish(|| {
            Some(NewApplication {
                office: office?,
                admin_name: admin_name?,
            })
        })
    }
}

/// A city's reason for refusing something (an application, an additional certificate).
pub fn reason(input: &str) -> Result<String, FieldError> {
    super::text::bounded_multiline("reason", input, 400, "理由")
}
