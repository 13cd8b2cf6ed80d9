//! Attendance after an event: marked by hand or imported from the platform's list.

use super::{state_refusal, Events, ImportReport};
use crate::accounts::User;
use crate::events::store;
use crate::events::{EResult, EventState, RegState};
use crate::i18n::Lang;
use crate::refusal::Refusal;

impl Events {
    /// Sets who attended: the confirmed registrations listed attended, the others did not.
    pub async fn mark_attendance(&self, _coordinator: &User, id: i64, attended: &[i64]) -> EResult<usize> {
        let mut tx = self.db.begin_write().await?;
        let e = self.locked(&mut tx, id).await?;
        if e.starts_at > self.now() || matches!(e.state, EventState::Draft | EventState::Cancelled) {
            return Err(state_refusal(
                &e,
                "Le presenze si registrano dopo l'inizio dell'evento",
                "Attendance is recorded once the event has started",
            ));
        }
        let regs = store::registrations(&mut tx, id).await?;
        for a in attended {
            if !regs.iter().any(|r| r.id == *a && r.state == RegState::Confirmed) {
                return Err(Refusal::invalid(
                    "attended",
                    format!("L'iscrizione {a} non è un'iscrizione confermata a questo evento."),
                    format!("Registration {a} is not a confirmed registration for this event."),
                ));
            }
        }
        for r in regs.iter().filter(|r| r.state == RegState::Confirmed) {
            sqlx::query("UPDATE registrations SET attended = $1, updated_at = $2 WHERE id = $3")
                .bind(i64::from(attended.contains(&r.id)))
                .bind(self.now())
                .bind(r.id)
                .execute(&mut *tx)
                .await?;
        }
        self.commit(tx).await?;
        Ok(attended.len())
    }

    /// Attendance from a list of addresses: all of it, or (with any unknown address or
    /// bad row) none of it, with the reason for each row.
    pub async fn import_attendance(
        &self,
        coordinator: &User,
        id: i64,
        rows: &[(usize, String)],
        mut problems: Vec<(usize, String)>,
        lang: Lang,
    ) -> EResult<ImportReport> {
        let mut conn = self.db.pool().acquire().await?;
        let regs = store::registrations(&mut conn, id).await?;
        drop(conn);
        let mut ids = Vec::new();
        for (line, email) in rows {
            match regs.iter().find(|r| r.email.eq_ignore_ascii_case(email)) {
                Some(r) if r.state == RegState::Confirmed => ids.push(r.id),
                Some(_) => problems.push((
                    *line,
                    format!(
                        "{email}: {}",
                        lang.t("l'iscrizione non è confermata", "the registration is not confirmed")
                    ),
                )),
                None => problems.push((
                    *line,
                    format!(
                        "{email}: {}",
                        lang.t("non è iscritto a questo evento", "is not registered for this event")
                    ),
                )),
            }
        }
        if !problems.is_empty() {
            problems.sort();
            return Ok(ImportReport { imported: 0, problems });
        }
        // The confirmed registrations already marked stay marked.
        ids.extend(regs.iter().filter(|r| r.attended && r.state == RegState::Confirmed).map(|r| r.id));
        ids.sort_unstable();
        ids.dedup();
        let imported = rows.len();
        self.mark_attendance(coordinator, id, &ids).await?;
        Ok(ImportReport { imported, problems })
    }
}
