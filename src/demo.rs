//! A small demo city so a newcomer sees a living system at once: offices of each kind, users of
//! each role, and enrollments in every state. Loaded by `serve --demo` on a database without it.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};

use crate::context::Context;
use crate::domain::enrollment::{Command, CopyChannel, Signer, State};
use crate::domain::{Actor, Role};
use crate::error::AppResult;
use crate::service::accounts::{self, OfficeInput, UserInput};
use crate::service::enrollments::{self, EnrollmentInput, MemberInput, SubjectInput};
use crate::service::forms;
use crate::store::users;

/// Demo accounts only. Never used outside `--demo`.
pub const PASSWORD: &str = "demo-password";

pub const LOGINS: [(&str, &str); 5] = [
    ("city", "市 高齢福祉課（市担当者）"),
    ("centre", "連携推進センター職員"),
    ("caremgr", "ケアマネジャー（居宅介護支援・利用スタッフ）"),
    ("office-admin", "居宅介護支援事業所の管理者"),
    ("nurse", "訪問看護師（利用スタッフ）"),
];

const OFFICES: [(&str, &str, &str); 7] = [
    ("clinic", "海原医院", "029-285-1010"),
    ("hospital", "ひたちなか中央病院", "029-270-0001"),
    ("pharmacy", "コヤマ薬局津田店", "029-219-7882"),
    ("home_care_support", "柴田介護保険事務所", "029-265-8332"),
    (
        "visiting_nursing",
        "みなと訪問看護ステーション",
        "029-270-0002",
    ),
    (
        "community_centre",
        "勝田地域包括支援センター",
        "029-270-0003",
    ),
    (
        "other",
        "ひたちなか市在宅医療・介護連携推進センター",
        "029-212-3751",
    ),
];

const PEOPLE: [(&str, &str); 10] = [
    ("山田 花子", "ヤマダ ハナコ"),
    ("佐藤 一郎", "サトウ イチロウ"),
    ("鈴木 キヨ", "スズキ キヨ"),
    ("高橋 正男", "タカハシ マサオ"),
    ("田中 トメ", "タナカ トメ"),
    ("伊藤 清", "イトウ キヨシ"),
    ("渡辺 ハル", "ワタナベ ハル"),
    ("中村 茂", "ナカムラ シゲル"),
    ("小林 フミ", "コバヤシ フミ"),
    ("加藤 勇", "カトウ イサム"),
];

/// Loads the demo city. Returns false if it is there already.
pub async fn load(app: &Context) -> AppResult<bool> {
    let mut c = app.store.acquire().await?;
    if users::by_login(c.conn(), "caremgr").await?.is_some() {
        return Ok(false);
    }
    drop(c);
    let office_ids = offices(app).await?;
    let (home_care, nursing) = (office_ids[3], office_ids[4]);
    let people = people(app, home_care, nursing).await?;
    for (i, target) in State::ALL.iter().enumerate() {
        enrollment_in(app, &people, nursing, i, *target).await?;
    }
    pending_work(app, &people["office-admin"], home_care).await?;
    Ok(true)
}

/// The demo's offices, in `OFFICES` order.
async fn offices(app: &Context) -> AppResult<Vec<i64>> {
    let mut office_ids = Vec::new();
    for (kind, name, phone) in OFFICES {
        let input = OfficeInput {
            kind: kind.into(),
            name: name.into(),
            phone: phone.into(),
            fax: phone.into(),
            address: "茨城県ひたちなか市石川町20-32".into(),
            admin_email: "office@example.jp".into(),
        };
        let id = accounts::create_office(&app.store, &Actor::System, &input)
            .await?
            .id;
        place(app, id, office_ids.len(), phone).await?;
        office_ids.push(id);
    }
    Ok(office_ids)
}

/// Where each demo office is, and when it is open: (address, latitude, longitude, hours,
/// closed days), in `OFFICES` order, so the 地域資源マップ has something to show.
const PLACES: [(&str, f64, f64, &str, &[&str]); 7] = [
    (
        "茨城県ひたちなか市東石川1-10-1",
        36.3929,
        140.5273,
        "9:00〜12:00、14:00〜18:00",
        &["thu", "sun", "hol"],
    ),
    (
        "茨城県ひたちなか市石川町2-1",
        36.3880,
        140.5350,
        "8:30〜17:00",
        &["sun", "hol"],
    ),
    (
        "茨城県ひたちなか市津田3500",
        36.4045,
        140.5082,
        "9:00〜19:00",
        &["sun"],
    ),
    (
        "茨城県ひたちなか市勝田中央14-8",
        36.3952,
        140.5239,
        "8:30〜17:30",
        &["sat", "sun", "hol"],
    ),
    (
        "茨城県ひたちなか市笹野町1-3-20",
        36.3806,
        140.5463,
        "24時間対応",
        &[],
    ),
    (
        "茨城県ひたちなか市勝田本町19-2",
        36.3985,
        140.5321,
        "8:30〜17:15",
        &["sat", "sun", "hol"],
    ),
    (
        "茨城県ひたちなか市石川町20-32",
        36.3900,
        140.5312,
        "8:30〜17:15",
        &["sat", "sun", "hol"],
    ),
];

async fn place(app: &Context, id: i64, i: usize, phone: &str) -> AppResult<()> {
    use crate::domain::office_info::{OfficeInfo, OfficeInfoInput};
    let (address, lat, lng, hours, closed) = PLACES[i % PLACES.len()];
    let input = OfficeInfoInput {
        address: address.into(),
        phone: phone.into(),
        fax: phone.into(),
        latitude: lat.to_string(),
        longitude: lng.to_string(),
        hours: hours.into(),
        closed_days: if closed.is_empty() {
            vec!["none".into()]
        } else {
            closed.iter().map(|d| d.to_string()).collect()
        },
        ..OfficeInfoInput::default()
    };
    let info = OfficeInfo::parse(&input)?;
    let mut c = app.store.acquire().await?;
    crate::store::offices::update_info(c.conn(), id, &info, info.coordinates).await?;
    Ok(())
}

/// One person per role, by login.
async fn people(
    app: &Context,
    home_care: i64,
    nursing: i64,
) -> AppResult<HashMap<&'static str, Actor>> {
    let mut ids = HashMap::new();
    for (login, role, office, name) in [
        ("city", Role::CityAdmin, None, "市 担当"),
        ("centre", Role::Centre, None, "連携 センター"),
        ("caremgr", Role::Staff, Some(home_care), "柴田 ケア"),
        (
            "office-admin",
            Role::OfficeAdmin,
            Some(home_care),
            "柴田 管理",
        ),
        ("nurse", Role::Staff, Some(nursing), "港 看護"),
    ] {
        let input = UserInput {
            login: login.into(),
            name: name.into(),
            email: Some(format!("{login}@example.jp")),
            role,
            office_id: office,
            password: Some(PASSWORD.into()),
        };
        let u = accounts::create_user(&app.store, &Actor::System, &input).await?;
        let actor = Actor::User {
            id: u.id,
            role,
            office_id: office,
        };
        ids.insert(login, actor);
    }
    Ok(ids)
}

/// The i-th demo person's enrollment, walked by the care manager and the centre to `target`.
async fn enrollment_in(
    app: &Context,
    people: &HashMap<&'static str, Actor>,
    nursing: i64,
    i: usize,
    target: State,
) -> AppResult<()> {
    let (cm, centre) = (&people["caremgr"], &people["centre"]);
    let (name, kana) = PEOPLE[i];
    let input = EnrollmentInput {
        subject: SubjectInput {
            name: name.into(),
            kana: kana.into(),
            birth_date: format!("19{}-0{}-1{}", 30 + i, 1 + i % 9, i % 9),
            sex: if i.is_multiple_of(2) {
                "female"
            } else {
                "male"
            }
            .into(),
            address: format!("茨城県ひたちなか市東石川{}-{}", i + 1, 10 + i),
            phone: format!("029-270-10{i:02}"),
            insurance_number: Some(format!("00000012{i:02}")),
        },
        team: vec![MemberInput {
            office_id: nursing,
            user_id: None,
            profession: "訪問看護師".into(),
            name: "港 看護".into(),
            phone: "029-270-0002".into(),
        }],
        obtainer_user_id: None,
    };
    let e = enrollments::create(app, cm, &input).await?;
    for cmd in walk_to(target, app.clock.today() - Duration::days(3)) {
        let who = match cmd {
            Command::ReceiveCopy { .. }
            | Command::Verify
            | Command::Activate
            | Command::ReturnCopy { .. } => centre,
            _ => cm,
        };
        if let Command::IssueForm { .. } = cmd {
            forms::issue_or_fetch(app, who, e.id, false).await?;
        } else {
            enrollments::transition(app, who, e.id, cmd).await?;
        }
    }
    Ok(())
}

/// The steps from a new enrollment to `target`, consent given on `day`.
fn walk_to(target: State, day: NaiveDate) -> Vec<Command> {
    let walk = [
        Command::IssueForm { version: 0 },
        Command::RecordConsent {
            date: day,
            signer: Signer::Subject,
        },
        Command::ReceiveCopy {
            channel: CopyChannel::Fax,
        },
        Command::Verify,
        Command::RegisterTeam,
        Command::Activate,
    ];
    let with = |n: usize, last: Command| {
        let mut s = walk[..n].to_vec();
        s.push(last);
        s
    };
    match target {
        State::Draft => vec![],
        State::FormIssued => walk[..1].to_vec(),
        State::ConsentSigned => walk[..2].to_vec(),
        State::CopyReceived => walk[..3].to_vec(),
        State::Returned => with(
            3,
            Command::ReturnCopy {
                reason: "署名欄が読み取れません".into(),
            },
        ),
        State::Verified => walk[..4].to_vec(),
        State::TeamRegistered => walk[..5].to_vec(),
        State::Active => walk.to_vec(),
        State::Withdrawn => with(
            2,
            Command::Withdraw {
                reason: "本人の申し出".into(),
            },
        ),
        State::Closed => vec![Command::Close {
            reason: "転居".into(),
        }],
    }
}

/// Something for the city to decide and a training on record (#7, #8).
async fn pending_work(app: &Context, office_admin: &Actor, home_care: i64) -> AppResult<()> {
    let application = crate::service::registration::ApplicationInput {
        kind: "pharmacy".into(),
        name: "ひたちなか駅前薬局".into(),
        address: "茨城県ひたちなか市勝田中央1-1".into(),
        phone: "029-273-1234".into(),
        fax: "029-273-1235".into(),
        admin_name: "駅前 管理".into(),
        admin_email: "ekimae@example.jp".into(),
    };
    crate::service::registration::apply(app, &application, "demo").await?;
    let training = crate::service::training::TrainingInput {
        held_on: (app.clock.today() - Duration::days(300)).to_string(),
        topic: "個人情報の取扱いとパスワード管理".into(),
        attendees: "9".into(),
        attachment: None,
    };
    crate::service::training::record(app, office_admin, home_care, &training).await?;
    Ok(())
}
