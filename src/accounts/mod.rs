//! Users, roles and the Regions registry. Roles: `officer` (belongs to one Region or
//! Autonomous Province), `mentor` (an experienced fund manager, possibly employed by a
//! Region) and `coordinator` (ProMIS). Sign-in, sessions and tokens live in the
//! submodules; who may do what is decided in [`policy`].

pub mod policy;
pub mod session;
pub mod signin;
pub mod tokens;

use std::fmt;

use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use crate::db::Db;
use crate::i18n::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Officer,
    Mentor,
    Coordinator,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Officer, Role::Mentor, Role::Coordinator];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Mentor => "mentor",
            Role::Coordinator => "coordinator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_lowercase().as_str() {
            "officer" | "funzionario" => Some(Role::Officer),
            "mentor" => Some(Role::Mentor),
            "coordinator" | "coordinatore" => Some(Role::Coordinator),
            _ => None,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Role::Officer => lang.t("Funzionario regionale", "Regional officer"),
            Role::Mentor => lang.t("Mentor", "Mentor"),
            Role::Coordinator => lang.t("Coordinamento ProMIS", "ProMIS coordinator"),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Kinds of organisation an officer works for.
pub const ORGANISATION_KINDS: [(&str, &str, &str); 5] = [
    ("regione", "Dipartimento o direzione regionale", "Regional department"),
    ("asl", "Azienda sanitaria locale (ASL)", "Local health authority (ASL)"),
    ("ospedale", "Azienda ospedaliera o IRCCS", "Hospital trust or IRCCS"),
    ("ente_formazione", "Ente di formazione", "Training body"),
    ("altro", "Altro", "Other"),
];

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Region {
    pub code: String,
    pub name: String,
    /// `regione` or `provincia_autonoma`.
    pub kind: String,
    /// `less_developed`, `transition` or `more_developed` (cohesion policy 2021-2027).
    pub category: String,
    #[serde(serialize_with = "as_bool")]
    #[schema(value_type = bool)]
    pub partnership: i64,
}

fn as_bool<S: serde::Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(*v != 0)
}

pub fn category_label(category: &str, lang: Lang) -> &'static str {
    match category {
        "less_developed" => lang.t("meno sviluppata", "less developed"),
        "transition" => lang.t("in transizione", "transition"),
        "more_developed" => lang.t("più sviluppata", "more developed"),
        _ => "?",
    }
}

pub async fn regions(db: &Db) -> Result<Vec<Region>, sqlx::Error> {
    regions_in(&mut *db.pool().acquire().await?).await
}

/// As [`regions`], on a connection the caller holds (inside a transaction).
pub async fn regions_in(conn: &mut AnyConnection) -> Result<Vec<Region>, sqlx::Error> {
    sqlx::query_as("SELECT code, name, kind, category, partnership FROM regions ORDER BY name").fetch_all(conn).await
}

pub async fn region(db: &Db, code: &str) -> Result<Option<Region>, sqlx::Error> {
    sqlx::query_as("SELECT code, name, kind, category, partnership FROM regions WHERE code = $1")
        .bind(code.trim().to_uppercase())
        .fetch_optional(db.pool())
        .await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub region_code: Option<String>,
    pub organisation: Option<String>,
    pub organisation_kind: Option<String>,
    pub lang: Lang,
    pub notify_email: bool,
    pub active: bool,
    pub erased: bool,
    pub created_at: i64,
    pub last_signin_at: Option<i64>,
}

/// A `users` row as stored; [`User`] is its checked form.
#[derive(FromRow)]
pub(crate) struct UserRow {
    id: i64,
    email: String,
    name: String,
    role: String,
    region_code: Option<String>,
    organisation: Option<String>,
    organisation_kind: Option<String>,
    lang: String,
    notify_email: i64,
    active: i64,
    erased: i64,
    created_at: i64,
    last_signin_at: Option<i64>,
}

pub(crate) const USER_COLUMNS: &str = "users.id, users.email, users.name, users.role, users.region_code, users.organisation, \
    users.organisation_kind, users.lang, users.notify_email, users.active, users.erased, users.created_at, users.last_signin_at";

impl TryFrom<UserRow> for User {
    type Error = sqlx::Error;

    fn try_from(r: UserRow) -> Result<User, sqlx::Error> {
        Ok(User {
            id: r.id,
            email: r.email,
            role: crate::db::decoded(Role::parse(&r.role), "users.role", &r.role)?,
            lang: crate::db::decoded(Lang::parse(&r.lang), "users.lang", &r.lang)?,
            name: r.name,
            region_code: r.region_code,
            organisation: r.organisation,
            organisation_kind: r.organisation_kind,
            notify_email: r.notify_email != 0,
            active: r.active != 0,
            erased: r.erased != 0,
            created_at: r.created_at,
            last_signin_at: r.last_signin_at,
        })
    }
}

pub async fn get(db: &Db, id: i64) -> Result<Option<User>, sqlx::Error> {
    get_in(&mut *db.pool().acquire().await?, id).await
}

/// As [`get`], on a connection the caller holds (inside a transaction).
pub async fn get_in(conn: &mut AnyConnection, id: i64) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    sqlx::query_as::<_, UserRow>(&sql).bind(id).fetch_optional(conn).await?.map(User::try_from).transpose()
}

pub async fn find_by_email(db: &Db, email: &str) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
    sqlx::query_as::<_, UserRow>(&sql)
        .bind(normalise_email(email))
        .fetch_optional(db.pool())
        .await?
        .map(User::try_from)
        .transpose()
}

pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: String,
    pub region_code: Option<String>,
    pub organisation: Option<String>,
    pub organisation_kind: Option<String>,
    pub lang: Option<Lang>,
}

/// What is wrong with a user's data; each names the field it is about.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("indirizzo email non valido: \"{0}\"")]
    InvalidEmail(String),
    #[error("ruolo sconosciuto \"{0}\": usa officer, mentor o coordinator")]
    UnknownRole(String),
    #[error("Regione o Provincia autonoma sconosciuta: \"{0}\"")]
    UnknownRegion(String),
    #[error("un funzionario regionale deve appartenere a una Regione o Provincia autonoma")]
    RegionRequired,
    #[error("il nome è obbligatorio: una riga, al massimo 120 caratteri")]
    BadName,
    #[error("tipo di ente sconosciuto: \"{0}\"")]
    UnknownOrganisationKind(String),
    #[error("esiste già un utente con l'indirizzo {0}")]
    Exists(String),
    /// Demoting, deactivating or erasing the last active coordinator would leave nobody to
    /// run the service.
    #[error("serve almeno un coordinatore attivo: nominane un altro prima")]
    LastCoordinator,
    /// Several inputs of one form are wrong: each of them, in the order of the form.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Several(Vec<AccountError>),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl AccountError {
    pub fn field(&self) -> Option<&'static str> {
        match self {
            AccountError::InvalidEmail(_) | AccountError::Exists(_) => Some("email"),
            AccountError::UnknownRole(_) => Some("role"),
            AccountError::UnknownRegion(_) | AccountError::RegionRequired => Some("region"),
            AccountError::BadName => Some("name"),
            AccountError::UnknownOrganisationKind(_) => Some("organisation_kind"),
            AccountError::LastCoordinator | AccountError::Database(_) => None,
            AccountError::Several(all) => all.first().and_then(AccountError::field),
        }
    }

    /// What a person reads on a page: a sentence in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (AccountError::Several(all), _) => all.iter().map(|e| e.message(lang)).collect::<Vec<_>>().join(" "),
            (AccountError::Database(e), _) => e.to_string(),
            (AccountError::InvalidEmail(e), Lang::It) => format!("Indirizzo email non valido: \"{e}\"."),
            (AccountError::InvalidEmail(e), Lang::En) => format!("Invalid email address: \"{e}\"."),
            (AccountError::UnknownRole(r), Lang::It) => format!("Ruolo sconosciuto \"{r}\": scegline uno dall'elenco."),
            (AccountError::UnknownRole(r), Lang::En) => format!("Unknown role \"{r}\": choose one from the list."),
            (AccountError::UnknownRegion(r), Lang::It) => format!("Regione o Provincia autonoma sconosciuta: \"{r}\"."),
            (AccountError::UnknownRegion(r), Lang::En) => format!("Unknown Region or Autonomous Province: \"{r}\"."),
            (AccountError::RegionRequired, Lang::It) => {
                "Un funzionario regionale deve appartenere a una Regione o Provincia autonoma.".into()
            }
            (AccountError::RegionRequired, Lang::En) => {
                "A regional officer must belong to a Region or Autonomous Province.".into()
            }
            (AccountError::BadName, Lang::It) => "Il nome è obbligatorio: una riga, al massimo 120 caratteri.".into(),
            (AccountError::BadName, Lang::En) => "The name is required: one line, at most 120 characters.".into(),
            (AccountError::UnknownOrganisationKind(k), Lang::It) => format!("Tipo di ente sconosciuto: \"{k}\"."),
            (AccountError::UnknownOrganisationKind(k), Lang::En) => format!("Unknown kind of organisation: \"{k}\"."),
            (AccountError::Exists(e), Lang::It) => format!("Esiste già un utente con l'indirizzo {e}."),
            (AccountError::Exists(e), Lang::En) => format!("There is already a user with the address {e}."),
            (AccountError::LastCoordinator, Lang::It) => {
                "Serve almeno un coordinatore attivo: nominane un altro prima.".into()
            }
            (AccountError::LastCoordinator, Lang::En) => {
                "At least one active coordinator is needed: appoint another first.".into()
            }
        }
    }

    /// Each wrong input with its sentence in `lang` (several for [`AccountError::Several`]).
    pub fn problems(&self, lang: Lang) -> Vec<(&'static str, String)> {
        match self {
            AccountError::Several(all) => all.iter().flat_map(|e| e.problems(lang)).collect(),
            other => vec![(other.field().unwrap_or(""), other.message(lang))],
        }
    }
}

impl From<&User> for crate::notify::Recipient {
    fn from(u: &User) -> Self {
        crate::notify::Recipient {
            email: u.email.clone(),
            name: u.name.clone(),
            lang: u.lang,
            reachable: u.active && !u.erased,
        }
    }
}

/// A checked user, ready to store.
pub struct ValidUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub region_code: Option<String>,
    pub organisation: Option<String>,
    pub organisation_kind: Option<String>,
    pub lang: Lang,
}

pub async fn validate(db: &Db, u: &NewUser) -> Result<ValidUser, AccountError> {
    // Every check runs, so a form shows all its wrong fields at once.
    let mut wrong = Vec::new();
    let email = normalise_email(&u.email);
    if crate::email::EmailAddress::parse(&email).is_none() {
        wrong.push(AccountError::InvalidEmail(u.email.trim().to_string()));
    }
    let name = u.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
        wrong.push(AccountError::BadName);
    }
    let role = Role::parse(&u.role);
    if role.is_none() {
        wrong.push(AccountError::UnknownRole(u.role.trim().to_string()));
    }
    let region_code = match u.region_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => match region(db, code).await? {
            Some(r) => Some(r.code),
            None => {
                wrong.push(AccountError::UnknownRegion(code.to_string()));
                None
            }
        },
        None => None,
    };
    if role == Some(Role::Officer)
        && region_code.is_none()
        && u.region_code.as_deref().is_none_or(|c| c.trim().is_empty())
    {
        wrong.push(AccountError::RegionRequired);
    }
    let organisation_kind = match u.organisation_kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(k) if ORGANISATION_KINDS.iter().any(|(code, _, _)| *code == k) => Some(k.to_string()),
        Some(k) => {
            wrong.push(AccountError::UnknownOrganisationKind(k.to_string()));
            None
        }
        None => None,
    };
    let role = match (wrong.len(), role) {
        (0, Some(role)) => role,
        (1, _) => return Err(wrong.remove(0)),
        _ => return Err(AccountError::Several(wrong)),
    };
    Ok(ValidUser {
        email,
        name,
        role,
        // Coordinators act for the whole partnership, not one Region.
        region_code: if role == Role::Coordinator { None } else { region_code },
        organisation: u
            .organisation
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(|o| o.chars().take(200).collect()),
        organisation_kind,
        lang: u.lang.unwrap_or_default(),
    })
}

/// Creates a user in the caller's transaction.
pub async fn create(conn: &mut AnyConnection, now: i64, u: &ValidUser) -> Result<i64, AccountError> {
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(&u.email).fetch_optional(&mut *conn).await?;
    if existing.is_some() {
        return Err(AccountError::Exists(u.email.clone()));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, role, region_code, organisation, organisation_kind, lang, notify_email, \
         active, erased, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, 1, 0, $8, $8) RETURNING id",
    )
    .bind(&u.email)
    .bind(&u.name)
    .bind(u.role.as_str())
    .bind(&u.region_code)
    .bind(&u.organisation)
    .bind(&u.organisation_kind)
    .bind(u.lang.code())
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(id)
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub region: Option<String>,
    pub active: Option<bool>,
}

pub async fn list(db: &Db, f: &UserFilter) -> Result<Vec<User>, sqlx::Error> {
    let mut sql = format!("SELECT {USER_COLUMNS} FROM users WHERE erased = 0");
    let mut binds: Vec<String> = Vec::new();
    if let Some(r) = f.role {
        binds.push(r.as_str().into());
        sql.push_str(&format!(" AND role = ${}", binds.len()));
    }
    if let Some(code) = &f.region {
        binds.push(code.clone());
        sql.push_str(&format!(" AND region_code = ${}", binds.len()));
    }
    if let Some(a) = f.active {
        sql.push_str(if a { " AND active = 1" } else { " AND active = 0" });
    }
    sql.push_str(" ORDER BY name, id");
    let mut q = sqlx::query_as::<_, UserRow>(&sql);
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_all(db.pool()).await?.into_iter().map(User::try_from).collect()
}

pub async fn update_profile(
    db: &Db,
    id: i64,
    now: i64,
    name: &str,
    lang: Lang,
    notify_email: bool,
) -> Result<(), AccountError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
        return Err(AccountError::BadName);
    }
    sqlx::query("UPDATE users SET name = $1, lang = $2, notify_email = $3, updated_at = $4 WHERE id = $5")
        .bind(name)
        .bind(lang.code())
        .bind(i64::from(notify_email))
        .bind(now)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn set_lang(db: &Db, id: i64, lang: Lang) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET lang = $1 WHERE id = $2").bind(lang.code()).bind(id).execute(db.pool()).await?;
    Ok(())
}

/// Changes a user's role. Taking the coordinator role from the last active coordinator is
/// refused ([`AccountError::LastCoordinator`]), decided under the coordinators' lock.
pub async fn set_role(db: &Db, id: i64, now: i64, role: Role, region_code: Option<&str>) -> Result<(), AccountError> {
    let region_code = match region_code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Some(region(db, code).await?.ok_or_else(|| AccountError::UnknownRegion(code.to_string()))?.code),
        None => None,
    };
    if role == Role::Officer && region_code.is_none() {
        return Err(AccountError::RegionRequired);
    }
    let region_code = if role == Role::Coordinator { None } else { region_code };
    let mut tx = db.begin_write().await?;
    if role != Role::Coordinator {
        keep_a_coordinator(db, &mut tx, id).await?;
    }
    sqlx::query("UPDATE users SET role = $1, region_code = $2, updated_at = $3 WHERE id = $4")
        .bind(role.as_str())
        .bind(region_code)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Deactivating ends every session of the user at once, voids sign-in links not yet used
/// and revokes API tokens for good: reactivation brings none of them back. Deactivating the
/// last active coordinator is refused ([`AccountError::LastCoordinator`]).
pub async fn set_active(db: &Db, id: i64, now: i64, active: bool) -> Result<(), AccountError> {
    let mut tx = db.begin_write().await?;
    if !active {
        keep_a_coordinator(db, &mut tx, id).await?;
    }
    sqlx::query("UPDATE users SET active = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(active))
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if !active {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM signin_tokens WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// In a write transaction about to demote, deactivate or erase user `id`: refuses when
/// `id` is the last active coordinator. The coordinators' lock is held until the
/// transaction ends, so two coordinators removing each other at the same moment are
/// decided one after the other and the second sees the first one's change.
async fn keep_a_coordinator(db: &Db, tx: &mut AnyConnection, id: i64) -> Result<(), AccountError> {
    db.lock_key(tx, "accounts.coordinators").await?;
    let others: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE role = 'coordinator' AND active = 1 AND erased = 0 AND id <> $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let is_coordinator: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE id = $1 AND role = 'coordinator' AND active = 1 AND erased = 0",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    if is_coordinator > 0 && others == 0 {
        return Err(AccountError::LastCoordinator);
    }
    Ok(())
}

/// Erases a user's personal data and keeps what aggregate figures need (the row, its role
/// and Region). Sessions, tokens and pending mail to the address go; past mail is scrubbed.
/// The last active coordinator is not erased ([`AccountError::LastCoordinator`]).
pub async fn erase(db: &Db, id: i64, now: i64) -> Result<(), AccountError> {
    let mut tx = db.begin_write().await?;
    keep_a_coordinator(db, &mut tx, id).await?;
    let email: Option<String> =
        sqlx::query_scalar("SELECT email FROM users WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
    let Some(email) = email else {
        tx.commit().await?;
        return Ok(());
    };
    for sql in [
        "DELETE FROM sessions WHERE user_id = $1",
        "DELETE FROM signin_tokens WHERE user_id = $1",
        "DELETE FROM api_tokens WHERE user_id = $1",
        // The rating stays in the event's figures; the words were the person's.
        "UPDATE event_feedback SET comment = '' WHERE user_id = $1",
        // What the person followed and how they wanted news of it.
        "DELETE FROM exchange_follows WHERE user_id = $1",
        "DELETE FROM exchange_news WHERE user_id = $1",
        "DELETE FROM exchange_mail_stops WHERE user_id = $1",
        // Practices sent for review or published stay (signed "utente rimosso"); drafts go.
        "DELETE FROM exchange_attachments WHERE version_id IN (SELECT v.id FROM exchange_practice_versions v \
         JOIN exchange_practices p ON p.id = v.practice_id WHERE p.author_id = $1 AND v.state = 'draft')",
        "DELETE FROM exchange_practice_versions WHERE state = 'draft' \
         AND practice_id IN (SELECT id FROM exchange_practices WHERE author_id = $1)",
        "DELETE FROM exchange_practices WHERE author_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM exchange_practice_versions v WHERE v.practice_id = exchange_practices.id)",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *tx).await?;
    }
    sqlx::query("DELETE FROM exchange_files WHERE NOT EXISTS (SELECT 1 FROM exchange_attachments a WHERE a.file_id = exchange_files.id)")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE outbox SET status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END, \
         recipient = 'cancellato@invalid', recipient_name = '', subject = '', body_text = '', body_html = '', \
         attachments = '[]', updated_at = $1 WHERE recipient = $2",
    )
    .bind(now)
    .bind(&email)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE users SET email = $1, name = '', organisation = NULL, active = 0, erased = 1, updated_at = $2 WHERE id = $3",
    )
    .bind(format!("cancellato-{id}@invalid"))
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
