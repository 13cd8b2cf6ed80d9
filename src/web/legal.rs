//! The privacy notice (GDPR art. 13) and the accessibility statement.

use maud::{html, Markup};

use crate::i18n::Lang;

pub fn privacy(lang: Lang, contact: &str) -> Markup {
    html! {
        h1 { (lang.t("Informativa sul trattamento dei dati personali", "Privacy notice")) }
        p { (lang.t(
            "Questa informativa è resa ai sensi dell'art. 13 del Regolamento (UE) 2016/679 (GDPR) a chi usa fondilab, il servizio del pacchetto di lavoro 5 del Partenariato regionale per le competenze digitali in sanità, coordinato da ProMIS.",
            "This notice is given under Article 13 of Regulation (EU) 2016/679 (GDPR) to people who use fondilab, the service of work package 5 of the Regional Partnership on Digital Skills for Health, coordinated by ProMIS.")) }
        h2 { (lang.t("Titolare e contatti", "Controller and contacts")) }
        p { (lang.t("Titolare del trattamento è l'ente che gestisce questa istanza di fondilab per il coordinamento del WP5. Per ogni richiesta sui tuoi dati, compreso il contatto del responsabile della protezione dei dati, scrivi a ",
                    "The controller is the body that runs this fondilab instance for the WP5 coordination. For any request about your data, including the contact of the data protection officer, write to "))
            a href=(format!("mailto:{contact}")) { (contact) } "." }
        h2 { (lang.t("Quali dati e perché", "Which data and why")) }
        ul {
            li { (lang.t("Ricerche nelle guide: testo cercato, filtri, numero di risultati e ora, senza alcun dato che identifichi chi cerca; servono a capire quali guide mancano.",
                         "Guide searches: the text searched, filters, number of results and time, with nothing that identifies who searched; they show which guides are missing.")) }
            li { (lang.t("Account: nome, email, ruolo, Regione o Provincia autonoma, ente, lingua e preferenze di notifica; servono ad accedere e a ricevere le comunicazioni del servizio.",
                         "Accounts: name, email, role, Region or Autonomous Province, organisation, language and notification preferences; they are needed to sign in and receive the service's messages.")) }
            li { (lang.t("Sessioni e token: identificativi casuali conservati solo in forma cifrata (hash), con data di creazione e di ultimo uso.",
                         "Sessions and tokens: random identifiers kept only in hashed form, with creation and last-use dates.")) }
            li { (lang.t("Email inviate: destinatario, oggetto, testo ed esito della consegna, per garantire che ogni messaggio arrivi una sola volta.",
                         "Emails sent: recipient, subject, text and delivery outcome, to make sure every message arrives exactly once.")) }
        }
        p { (lang.t("Base giuridica: esecuzione di un compito di interesse pubblico connesso alle attività del Partenariato (art. 6, par. 1, lett. e, GDPR). Il conferimento dei dati dell'account è necessario per usare le funzioni riservate; la consultazione delle guide non richiede dati personali.",
                    "Legal basis: performance of a task carried out in the public interest linked to the Partnership's activities (Art. 6(1)(e) GDPR). Account data are needed to use the signed-in features; reading the guides requires no personal data.")) }
        h2 { (lang.t("Chi vede i dati", "Who sees the data")) }
        p { (lang.t("Il coordinamento ProMIS e, per quanto necessario, i fornitori che ospitano il servizio e recapitano la posta, come responsabili del trattamento. I tuoi contatti non sono mostrati ad altri utenti, salvo dove una funzione lo indica espressamente. Non è previsto il trasferimento dei dati fuori dall'Unione europea.",
                    "ProMIS coordinators and, as far as needed, the providers that host the service and deliver its mail, as processors. Your contact details are not shown to other users except where a feature says so. No transfer outside the European Union is foreseen.")) }
        h2 { (lang.t("Per quanto tempo", "For how long")) }
        p { (lang.t("I dati dell'account restano finché l'account esiste; i link di accesso scadono dopo 15 minuti e le sessioni dopo 30 giorni. Quando cancelli l'account, i dati personali vengono cancellati e restano solo conteggi aggregati; le domande, le risposte e le esperienze che hai inviato o pubblicato nello scambio tra Regioni restano, firmate \"utente rimosso\", perché servono alle altre Regioni; le bozze di esperienze si cancellano. Gli allegati delle esperienze sono conservati nella base dati del servizio. Ciò che segui nello scambio (domande, temi, fondi) e come vuoi riceverne le novità restano finché l'account esiste, e si cancellano con l'account.",
                    "Account data stay while the account exists; sign-in links expire after 15 minutes and sessions after 30 days. When you erase your account, personal data are deleted and only aggregate figures remain; the questions, answers and practices you sent or published in the exchange between Regions stay, signed \"utente rimosso\" (removed user), because other Regions rely on them; drafts of practices are deleted. Attachments of practices are kept in the service's database. What you follow in the exchange (questions, topics, funds) and how you want its news stay while the account exists, and are erased with it.")) }
        h2 { (lang.t("I tuoi diritti", "Your rights")) }
        p { (lang.t("Puoi chiedere accesso, rettifica, cancellazione, limitazione, portabilità dei dati e opporti al trattamento (artt. 15-21 GDPR). Dal tuo profilo puoi scaricare i tuoi dati e cancellare l'account. Hai diritto di proporre reclamo al Garante per la protezione dei dati personali.",
                    "You may ask for access, rectification, erasure, restriction and portability of your data and object to processing (Articles 15-21 GDPR). From your profile you can download your data and erase your account. You have the right to lodge a complaint with the Italian data protection authority (Garante per la protezione dei dati personali).")) }
        p { (lang.t("Il servizio usa solo cookie tecnici: lingua, sessione e protezione dei moduli.", "The service uses technical cookies only: language, session and form protection.")) }
    }
}

pub fn accessibility(lang: Lang, contact: &str) -> Markup {
    html! {
        h1 { (lang.t("Dichiarazione di accessibilità", "Accessibility statement")) }
        p { (lang.t("fondilab si impegna a rendere il servizio accessibile secondo la Legge 9 gennaio 2004, n. 4, e le Linee guida AgID sull'accessibilità degli strumenti informatici, che rimandano alla norma EN 301 549 e alle WCAG 2.1 livello AA.",
                    "fondilab is committed to making the service accessible under Italian Law no. 4 of 9 January 2004 and the AgID guidelines on accessibility, which refer to EN 301 549 and WCAG 2.1 level AA.")) }
        h2 { (lang.t("Stato di conformità", "Compliance status")) }
        p { (lang.t("Il servizio è parzialmente conforme: le pagine funzionano senza JavaScript, hanno punti di riferimento (intestazione, navigazione, contenuto), etichette per ogni campo, un collegamento per saltare al contenuto e un indicatore di focus visibile. La valutazione è un'autovalutazione e prosegue a ogni nuova funzione.",
                    "The service is partially compliant: pages work without JavaScript, have landmarks (header, navigation, main content), labels for every field, a skip link and a visible focus indicator. The assessment is a self-assessment and continues with every new feature.")) }
        h2 { (lang.t("Segnalazioni", "Feedback")) }
        p { (lang.t("Se trovi un contenuto non accessibile o vuoi chiederne una versione accessibile, scrivi a ", "If you find content that is not accessible, or want an accessible version of it, write to "))
            a href=(format!("mailto:{contact}")) { (contact) }
            (lang.t(". Se la risposta non arriva entro 30 giorni o non è soddisfacente, puoi rivolgerti al Difensore civico per il digitale presso AgID.",
                    ". If no answer arrives within 30 days or it is not satisfactory, you can turn to the Digital Ombudsman at AgID (Difensore civico per il digitale).")) }
    }
}
