//! Mentors' profiles and their experience.

use serde::Serialize;
use sqlx::{AnyConnection, FromRow};

use super::{day, split_list};
use crate::db::Db;
use crate::mentorship::input::{ValidExperience, ValidProfile};

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct ExperienceRow {
    pub fund: String,
    pub role: String,
    pub programme: String,
    pub region_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Profile {
    pub user_id: i64,
    pub name: String,
    pub experience: Vec<ExperienceRow>,
    pub topics: Vec<String>,
    pub languages: Vec<String>,
    pub capacity: i64,
    pub employer_region: Option<String>,
    pub pause_from: Option<String>,
    pub pause_until: Option<String>,
    pub bio: String,
    /// Accepted mentorships not yet closed.
    pub active: i64,
    /// Suggestions and proposals awaiting review or an answer.
    pub pending: i64,
    pub updated_at: i64,
}

#[derive(FromRow)]
struct ProfileRow {
    user_id: i64,
    name: String,
    topics: String,
    languages: String,
    capacity: i64,
    employer_region: Option<String>,
    pause_from: Option<String>,
    pause_until: Option<String>,
    bio: String,
    updated_at: i64,
    active: i64,
    pending: i64,
}

const PROFILE_SELECT: &str = "SELECT p.user_id, u.name, p.topics, p.languages, p.capacity, p.employer_region, \
    p.pause_from, p.pause_until, p.bio, p.updated_at, \
    (SELECT COUNT(*) FROM mentorship_matches m WHERE m.mentor_id = p.user_id AND m.state = 'accepted') AS active, \
    (SELECT COUNT(*) FROM mentorship_matches m WHERE m.mentor_id = p.user_id AND m.state IN ('suggested', 'proposed')) AS pending \
    FROM mentor_profiles p JOIN users u ON u.id = p.user_id";

async fn with_experience(conn: &mut AnyConnection, rows: Vec<ProfileRow>) -> Result<Vec<Profile>, sqlx::Error> {
    let all: Vec<(i64, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT e.user_id, e.fund, e.role, e.programme, e.region_code FROM mentor_experience e \
         JOIN users u ON u.id = e.user_id WHERE u.role = 'mentor' ORDER BY e.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Profile {
            experience: all
                .iter()
                .filter(|e| e.0 == r.user_id)
                .map(|e| ExperienceRow {
                    fund: e.1.clone(),
                    role: e.2.clone(),
                    programme: e.3.clone(),
                    region_code: e.4.clone(),
                })
                .collect(),
            user_id: r.user_id,
            name: r.name,
            topics: split_list(&r.topics),
            languages: split_list(&r.languages),
            capacity: r.capacity,
            employer_region: r.employer_region,
            pause_from: r.pause_from,
            pause_until: r.pause_until,
            bio: r.bio,
            active: r.active,
            pending: r.pending,
            updated_at: r.updated_at,
        })
        .collect())
}

pub async fn profile(conn: &mut AnyConnection, user_id: i64) -> Result<Option<Profile>, sqlx::Error> {
    let rows: Vec<ProfileRow> =
        sqlx::query_as(&format!("{PROFILE_SELECT} WHERE p.user_id = $1")).bind(user_id).fetch_all(&mut *conn).await?;
    Ok(with_experience(conn, rows).await?.pop())
}

/// Profiles of active mentors: the engine's input.
pub async fn active_mentor_profiles(conn: &mut AnyConnection) -> Result<Vec<Profile>, sqlx::Error> {
    let rows: Vec<ProfileRow> = sqlx::query_as(&format!(
        "{PROFILE_SELECT} WHERE u.role = 'mentor' AND u.active = 1 AND u.erased = 0 ORDER BY p.user_id"
    ))
    .fetch_all(&mut *conn)
    .await?;
    with_experience(conn, rows).await
}

/// The mentor's capacity, with the profile row locked until the transaction ends.
pub async fn lock_capacity(db: &Db, tx: &mut AnyConnection, user_id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(&format!("SELECT capacity FROM mentor_profiles WHERE user_id = $1{}", db.for_update()))
        .bind(user_id)
        .fetch_optional(tx)
        .await
}

/// Creates or overwrites the mentor's profile (its experience apart).
pub async fn save_profile(
    conn: &mut AnyConnection,
    user_id: i64,
    p: &ValidProfile,
    now: i64,
) -> Result<(), sqlx::Error> {
    let langs: Vec<String> = p.languages.iter().map(|l| l.code().to_string()).collect();
    sqlx::query(
        "INSERT INTO mentor_profiles (user_id, topics, languages, capacity, employer_region, pause_from, pause_until, bio, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (user_id) DO UPDATE SET topics = excluded.topics, \
         languages = excluded.languages, capacity = excluded.capacity, employer_region = excluded.employer_region, \
         pause_from = excluded.pause_from, pause_until = excluded.pause_until, bio = excluded.bio, updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(p.topics.join(","))
    .bind(langs.join(","))
    .bind(p.capacity)
    .bind(p.employer_region.clone())
    .bind(p.pause_from.map(day))
    .bind(p.pause_until.map(day))
    .bind(p.bio.clone())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces the mentor's experience with `experience`, in its order.
pub async fn replace_experience(
    conn: &mut AnyConnection,
    user_id: i64,
    experience: &[ValidExperience],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM mentor_experience WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    for e in experience {
        sqlx::query(
            "INSERT INTO mentor_experience (user_id, fund, role, programme, region_code) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user_id)
        .bind(e.fund.as_str())
        .bind(serde_json::to_value(e.role).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default())
        .bind(e.programme.clone())
        .bind(e.region.clone())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
