// All visible text, German first, then English. Static pages carry the German text and
// `data-i18n` keys; `applyLanguage` swaps in the chosen language without a reload, so nothing
// typed is lost. Placeholders look like {name}.

export const LANGS = ['de', 'en'];

const de = {
  'site.title': 'Meldestelle: Rassismus am Arbeitsplatz melden',
  'site.followupTitle': 'Meldestelle: Antworten lesen',
  'site.name': 'Meldestelle',
  'site.tagline': 'Rassismus am Arbeitsplatz melden – anonym und verschlüsselt',
  'lang.switch': 'English',
  'lang.switchLabel': 'Switch to English',
  'nav.report': 'Neue Meldung',
  'nav.followup': 'Antworten lesen',
  'office.label': 'Beschwerdestelle:',
  'office.loading': 'Die Beschwerdestelle wird geladen …',
  'office.notFound': 'Diese Beschwerdestelle gibt es nicht. Bitte prüfen Sie den Link, den Sie bekommen haben.',
  'office.failed': 'Die Seite konnte die Beschwerdestelle gerade nicht erreichen. Bitte versuchen Sie es später noch einmal.',
  'insecure': 'Diese Seite muss über eine sichere Verbindung (https) geöffnet werden, damit Ihr Browser verschlüsseln kann. Das Formular ist deshalb ausgeschaltet.',

  'intro.heading': 'Einen Vorfall melden',
  'intro.p1': 'Hier können Sie einen rassistischen Vorfall melden, den Sie bei der Arbeit erlebt oder beobachtet haben. Sie müssen Ihren Namen nicht nennen.',
  'intro.p2': 'Ihre Meldung wird in Ihrem Browser verschlüsselt, bevor sie gesendet wird. Lesen kann sie nur die Beschwerdestelle. Der Server speichert keine IP-Adressen und setzt keine Cookies.',
  'intro.p3': 'Nach dem Absenden bekommen Sie einen Code. Mit ihm können Sie später Antworten lesen und weitere Nachrichten schicken.',

  'report.heading': 'Ihre Meldung',
  'report.text': 'Was ist passiert?',
  'report.textHint': 'Beschreiben Sie den Vorfall in Ihren eigenen Worten. Sie entscheiden, wie viel Sie angeben. Pflichtfeld.',
  'report.when': 'Wann ungefähr? (freiwillig)',
  'report.whenHint': 'Zum Beispiel „Anfang November 2026“ oder „vor zwei Wochen“.',
  'report.where': 'Wo? (freiwillig)',
  'report.whereHint': 'Zum Beispiel die Dienststelle oder der Arbeitsbereich.',
  'report.files': 'Anhänge (freiwillig)',
  'report.filesHint': 'Bilder oder PDF-Dateien, höchstens {size} je Datei. Auch Anhänge werden in Ihrem Browser verschlüsselt.',
  'report.filesHintCount': 'Bilder oder PDF-Dateien, höchstens {count} Dateien mit je höchstens {size}. Auch Anhänge werden in Ihrem Browser verschlüsselt.',
  'report.filesTotal': 'Zusammen höchstens etwa {total}.',
  'report.filesChosen': 'Ausgewählt:',
  'report.fileRemove': 'Entfernen: {name}',
  'report.fileRemoved': '{name} wurde entfernt.',

  'stats.heading': 'Freiwillige Angaben für die Statistik',
  'stats.p1': 'Diese Fragen sind freiwillig. Ihre Antworten werden getrennt von Ihrer Meldung gespeichert, ohne Verbindung zu ihr.',
  'stats.p2': 'Sie werden nur gezählt: in anonymisierten Tabellen je Quartal, in denen kleine Zahlen unterdrückt werden. So wird sichtbar, wie oft Rassismus in der Verwaltung vorkommt. Ihr Text fließt nie in die Statistik ein.',
  'stats.p3': '„Keine Angabe“ ist überall möglich und voreingestellt.',
  'stats.noAnswer': 'keine Angabe',
  'stats.multiHint': 'Mehrere Antworten möglich. Keine Auswahl bedeutet „keine Angabe“.',
  'stats.quarter': 'Wann war der Vorfall? (Quartal)',
  'stats.quarterValue': '{q}. Quartal {y}',
  'stats.quarterEarlier': 'früher',
  'stats.unavailable': 'Die Statistikfragen konnten nicht geladen werden. Sie können trotzdem melden.',

  'submit.heading': 'Absenden',
  'submit.p': 'Beim Absenden wird Ihre Meldung in diesem Browser für die Beschwerdestelle verschlüsselt. Unverschlüsselt verlässt nichts Ihr Gerät.',
  'submit.button': 'Verschlüsselt absenden',
  'submit.encrypting': 'Ihre Meldung wird verschlüsselt …',
  'submit.sending': 'Ihre Meldung wird gesendet …',
  'submit.failed': 'Die Meldung wurde nicht gesendet: {detail} Ihre Eingaben sind noch da; Sie können es noch einmal versuchen.',
  'submit.network': 'Die Verbindung zum Server ist fehlgeschlagen.',
  'submit.keyset': 'Die Schlüssel der Beschwerdestelle haben sich gerade geändert. Bitte senden Sie noch einmal.',
  'submit.fixErrors': 'Bitte prüfen Sie die markierten Angaben.',
  'submit.tooLarge': 'Die Meldung ist mit den Anhängen zu groß. Bitte entfernen Sie einen Anhang.',

  'error.textRequired': 'Bitte beschreiben Sie, was passiert ist.',
  'error.textTooLong': 'Der Text ist zu lang. Bitte kürzen Sie ihn oder teilen Sie ihn auf mehrere Nachrichten auf.',
  'error.fileTooLarge': 'Die Datei „{name}“ ist zu groß ({size}). Erlaubt sind höchstens {max} je Datei. Sie wurde nicht hinzugefügt.',
  'error.fileType': 'Die Datei „{name}“ ist kein Bild und keine PDF-Datei. Sie wurde nicht hinzugefügt.',
  'error.fileCount': 'Es sind höchstens {count} Anhänge möglich. „{name}“ wurde nicht hinzugefügt.',
  'error.filesTotal': 'Die Anhänge sind zusammen zu groß. „{name}“ wurde nicht hinzugefügt.',
  'error.tooMany': 'Bitte wählen Sie höchstens {max} Antworten.',

  'done.heading': 'Ihre Meldung ist eingegangen',
  'done.received': 'Eingegangen am {received}. Die Beschwerdestelle bestätigt den Eingang bis zum {ack}. Eine Rückmeldung bekommen Sie bis zum {feedback}.',
  'done.codeHeading': 'Ihr Code',
  'done.warning': 'Bewahren Sie diesen Code sicher auf. Er wird nur jetzt angezeigt und kann nicht wiederhergestellt werden, auch nicht von der Beschwerdestelle. Wer den Code kennt, kann die Antworten lesen.',
  'done.how': 'Mit dem Code können Sie auf der Seite „Antworten lesen“ den Stand sehen, Antworten lesen und weitere Nachrichten senden.',
  'done.copy': 'Code kopieren',
  'done.download': 'Als Textdatei speichern',
  'done.print': 'Drucken',
  'done.copied': 'Der Code wurde kopiert.',
  'done.copyFailed': 'Kopieren war nicht möglich. Der Code ist jetzt markiert; bitte kopieren Sie ihn selbst.',
  'done.downloaded': 'Die Textdatei wurde gespeichert.',
  'done.followupLink': 'Zur Seite „Antworten lesen“',
  'done.file': 'Meldestelle – Ihr Code\n\n{receipt}\n\nEingegangen am {received}.\nAntworten lesen: {url}\n\nBewahren Sie diesen Code sicher auf. Er kann nicht wiederhergestellt werden.\nWer den Code kennt, kann die Antworten lesen.\n',
  'done.fileName': 'meldestelle-code.txt',

  'fu.heading': 'Antworten lesen und Nachrichten senden',
  'fu.intro': 'Geben Sie den Code ein, den Sie nach Ihrer Meldung bekommen haben. Der Code bleibt in Ihrem Browser; der Server erfährt ihn nicht.',
  'fu.receipt': 'Ihr Code',
  'fu.receiptHint': '28 Zeichen in sieben Vierergruppen (ABCD-EFGH-…). Groß- und Kleinschreibung und Bindestriche sind egal.',
  'fu.open': 'Öffnen',
  'fu.opening': 'Ihre Meldung wird gesucht …',
  'fu.invalid': 'Das ist kein gültiger Code. Bitte prüfen Sie jedes Zeichen.',
  'fu.notFound': 'Zu diesem Code gibt es keine Meldung (mehr). Bitte prüfen Sie den Code.',
  'fu.failed': 'Der Server war gerade nicht erreichbar. Bitte versuchen Sie es später noch einmal.',
  'fu.caseHeading': 'Ihre Meldung',
  'fu.status': 'Stand:',
  'fu.receivedOn': 'Eingegangen am:',
  'fu.ackDue': 'Eingangsbestätigung bis:',
  'fu.feedbackDue': 'Rückmeldung bis:',
  'fu.messagesHeading': 'Nachrichten',
  'fu.noMessages': 'Noch keine Nachrichten.',
  'fu.fromOffice': 'Beschwerdestelle, {date}',
  'fu.fromYou': 'Sie, {date}',
  'fu.ownMessage': 'Ihre Nachricht ist nur für die Beschwerdestelle lesbar und wird hier nicht angezeigt.',
  'fu.undecryptable': 'Diese Nachricht konnte nicht entschlüsselt werden.',
  'fu.newHeading': 'Neue Nachricht an die Beschwerdestelle',
  'fu.message': 'Ihre Nachricht',
  'fu.messageHint': 'Die Nachricht wird in Ihrem Browser für die Beschwerdestelle verschlüsselt.',
  'fu.send': 'Verschlüsselt senden',
  'fu.sending': 'Ihre Nachricht wird verschlüsselt und gesendet …',
  'fu.sent': 'Ihre Nachricht wurde gesendet.',
  'fu.messageRequired': 'Bitte schreiben Sie eine Nachricht.',
  'fu.sendFailed': 'Die Nachricht wurde nicht gesendet: {detail}',
  'fu.caseClosed': 'Dieser Fall ist abgeschlossen. Neue Nachrichten sind nicht mehr möglich; für ein neues Anliegen schreiben Sie bitte eine neue Meldung.',
  'fu.close': 'Schließen',
  'fu.closed': 'Geschlossen. Ihr Code ist aus dieser Seite entfernt.',
  'fu.loaded': 'Ihre Meldung wurde geöffnet.',

  'status.received': 'Eingegangen',
  'status.acknowledged': 'Eingang bestätigt',
  'status.in_progress': 'In Bearbeitung',
  'status.feedback_given': 'Rückmeldung gegeben',
  'status.closed': 'Abgeschlossen',
  'statusNote.received': 'Ihre Meldung ist eingegangen. Die Beschwerdestelle bestätigt den Eingang innerhalb von sieben Tagen.',
  'statusNote.acknowledged': 'Die Beschwerdestelle hat den Eingang bestätigt und prüft Ihre Meldung.',
  'statusNote.in_progress': 'Die Beschwerdestelle bearbeitet Ihre Meldung.',
  'statusNote.feedback_given': 'Die Beschwerdestelle hat Ihnen eine Rückmeldung gegeben. Sie können weiter Nachrichten schicken.',
  'statusNote.closed': 'Die Bearbeitung ist abgeschlossen.',

  'skip': 'Zum Inhalt springen',
  'nav.label': 'Seiten',
  'footer': 'Keine Cookies, keine IP-Adressen, keine Inhalte auf dem Server lesbar.',
};

const en = {
  'site.title': 'Meldestelle: report racism at work',
  'site.followupTitle': 'Meldestelle: read replies',
  'site.name': 'Meldestelle',
  'site.tagline': 'Report racism at work – anonymously and encrypted',
  'lang.switch': 'Deutsch',
  'lang.switchLabel': 'Auf Deutsch wechseln',
  'nav.report': 'New report',
  'nav.followup': 'Read replies',
  'office.label': 'Complaint office:',
  'office.loading': 'Loading the complaint office …',
  'office.notFound': 'This complaint office does not exist. Please check the link you were given.',
  'office.failed': 'The page could not reach the complaint office just now. Please try again later.',
  'insecure': 'This page must be opened over a secure connection (https) so that your browser can encrypt. The form is therefore switched off.',

  'intro.heading': 'Report an incident',
  'intro.p1': 'Here you can report a racist incident that you experienced or witnessed at work. You do not have to give your name.',
  'intro.p2': 'Your report is encrypted in your browser before it is sent. Only the complaint office can read it. The server stores no IP addresses and sets no cookies.',
  'intro.p3': 'After sending, you get a code. With it you can later read replies and send further messages.',

  'report.heading': 'Your report',
  'report.text': 'What happened?',
  'report.textHint': 'Describe the incident in your own words. You decide how much you tell. Required.',
  'report.when': 'When, roughly? (optional)',
  'report.whenHint': 'For example “early November 2026” or “two weeks ago”.',
  'report.where': 'Where? (optional)',
  'report.whereHint': 'For example the department or area of work.',
  'report.files': 'Attachments (optional)',
  'report.filesHint': 'Images or PDF files, at most {size} each. Attachments are encrypted in your browser too.',
  'report.filesHintCount': 'Images or PDF files, at most {count} files of at most {size} each. Attachments are encrypted in your browser too.',
  'report.filesTotal': 'At most about {total} together.',
  'report.filesChosen': 'Selected:',
  'report.fileRemove': 'Remove: {name}',
  'report.fileRemoved': '{name} was removed.',

  'stats.heading': 'Optional questions for the statistics',
  'stats.p1': 'These questions are optional. Your answers are stored separately from your report, with no link to it.',
  'stats.p2': 'They are only counted: in anonymised tables per quarter, in which small numbers are suppressed. This shows how often racism happens in public administration. Your text never goes into the statistics.',
  'stats.p3': '“No answer” is always possible and is preselected.',
  'stats.noAnswer': 'no answer',
  'stats.multiHint': 'Choose any that apply. Choosing none means “no answer”.',
  'stats.quarter': 'When did it happen? (quarter)',
  'stats.quarterValue': 'Q{q} {y}',
  'stats.quarterEarlier': 'earlier',
  'stats.unavailable': 'The statistics questions could not be loaded. You can still send your report.',

  'submit.heading': 'Send',
  'submit.p': 'When you send, your report is encrypted in this browser for the complaint office. Nothing leaves your device unencrypted.',
  'submit.button': 'Encrypt and send',
  'submit.encrypting': 'Encrypting your report …',
  'submit.sending': 'Sending your report …',
  'submit.failed': 'Your report was not sent: {detail} Your entries are still here; you can try again.',
  'submit.network': 'The connection to the server failed.',
  'submit.keyset': 'The complaint office’s keys have just changed. Please send again.',
  'submit.fixErrors': 'Please check the marked entries.',
  'submit.tooLarge': 'The report with its attachments is too large. Please remove an attachment.',

  'error.textRequired': 'Please describe what happened.',
  'error.textTooLong': 'The text is too long. Please shorten it or split it over several messages.',
  'error.fileTooLarge': 'The file “{name}” is too large ({size}). At most {max} per file is allowed. It was not added.',
  'error.fileType': 'The file “{name}” is neither an image nor a PDF. It was not added.',
  'error.fileCount': 'At most {count} attachments are possible. “{name}” was not added.',
  'error.filesTotal': 'The attachments are too large together. “{name}” was not added.',
  'error.tooMany': 'Please choose at most {max} answers.',

  'done.heading': 'Your report has been received',
  'done.received': 'Received on {received}. The complaint office will acknowledge it by {ack}. You will get feedback by {feedback}.',
  'done.codeHeading': 'Your code',
  'done.warning': 'Keep this code safe. It is shown only now and cannot be recovered, not even by the complaint office. Anyone who knows the code can read the replies.',
  'done.how': 'With the code you can see the status, read replies and send further messages on the “Read replies” page.',
  'done.copy': 'Copy code',
  'done.download': 'Save as text file',
  'done.print': 'Print',
  'done.copied': 'The code was copied.',
  'done.copyFailed': 'Copying was not possible. The code is now selected; please copy it yourself.',
  'done.downloaded': 'The text file was saved.',
  'done.followupLink': 'Go to “Read replies”',
  'done.file': 'Meldestelle – your code\n\n{receipt}\n\nReceived on {received}.\nRead replies: {url}\n\nKeep this code safe. It cannot be recovered.\nAnyone who knows the code can read the replies.\n',
  'done.fileName': 'meldestelle-code.txt',

  'fu.heading': 'Read replies and send messages',
  'fu.intro': 'Enter the code you got after your report. The code stays in your browser; the server never learns it.',
  'fu.receipt': 'Your code',
  'fu.receiptHint': '28 characters in seven groups of four (ABCD-EFGH-…). Upper or lower case and dashes do not matter.',
  'fu.open': 'Open',
  'fu.opening': 'Looking up your report …',
  'fu.invalid': 'This is not a valid code. Please check each character.',
  'fu.notFound': 'There is no report (any more) for this code. Please check the code.',
  'fu.failed': 'The server could not be reached just now. Please try again later.',
  'fu.caseHeading': 'Your report',
  'fu.status': 'Status:',
  'fu.receivedOn': 'Received on:',
  'fu.ackDue': 'Acknowledgement due by:',
  'fu.feedbackDue': 'Feedback due by:',
  'fu.messagesHeading': 'Messages',
  'fu.noMessages': 'No messages yet.',
  'fu.fromOffice': 'Complaint office, {date}',
  'fu.fromYou': 'You, {date}',
  'fu.ownMessage': 'Your message can be read only by the complaint office and is not shown here.',
  'fu.undecryptable': 'This message could not be decrypted.',
  'fu.newHeading': 'New message to the complaint office',
  'fu.message': 'Your message',
  'fu.messageHint': 'The message is encrypted in your browser for the complaint office.',
  'fu.send': 'Encrypt and send',
  'fu.sending': 'Encrypting and sending your message …',
  'fu.sent': 'Your message was sent.',
  'fu.messageRequired': 'Please write a message.',
  'fu.sendFailed': 'The message was not sent: {detail}',
  'fu.caseClosed': 'This case is closed. New messages are no longer possible; for a new concern, please write a new report.',
  'fu.close': 'Close',
  'fu.closed': 'Closed. Your code has been removed from this page.',
  'fu.loaded': 'Your report has been opened.',

  'status.received': 'Received',
  'status.acknowledged': 'Acknowledged',
  'status.in_progress': 'In progress',
  'status.feedback_given': 'Feedback given',
  'status.closed': 'Closed',
  'statusNote.received': 'Your report has arrived. The complaint office will acknowledge it within seven days.',
  'statusNote.acknowledged': 'The complaint office has acknowledged your report and is looking into it.',
  'statusNote.in_progress': 'The complaint office is working on your report.',
  'statusNote.feedback_given': 'The complaint office has given you feedback. You can keep sending messages.',
  'statusNote.closed': 'The case is closed.',

  'skip': 'Skip to content',
  'nav.label': 'Pages',
  'footer': 'No cookies, no IP addresses, no content readable on the server.',
};

// Taxonomy v1 (docs/DESIGN.md): field questions and value labels. Fields or values the server
// adds later and this table lacks are shown by their name rather than dropped.
export const TAXONOMY = {
  incident_type: {
    de: 'Art des Vorfalls', en: 'Type of incident',
    values: {
      physical_attack: ['Körperlicher Angriff', 'Physical attack'],
      threat: ['Bedrohung', 'Threat'],
      property_damage: ['Sachbeschädigung', 'Damage to property'],
      verbal_degradation: ['Beleidigung, verbale Herabwürdigung', 'Insult, verbal degradation'],
      unequal_treatment: ['Ungleichbehandlung, Benachteiligung', 'Unequal treatment, disadvantage'],
      propaganda_material: ['Rassistische Propaganda oder Schmierereien', 'Racist propaganda or graffiti'],
      other: ['Anderes', 'Other'],
    },
  },
  racism_form: {
    de: 'Form des Rassismus', en: 'Form of racism',
    values: {
      anti_black: ['Anti-Schwarzer Rassismus', 'Anti-Black racism'],
      anti_muslim: ['Antimuslimischer Rassismus', 'Anti-Muslim racism'],
      antisemitic: ['Antisemitismus', 'Antisemitism'],
      antigypsyist: ['Antiziganismus (gegen Sinti und Roma)', 'Antigypsyism (against Sinti and Roma)'],
      other_racism: ['Andere Form von Rassismus', 'Another form of racism'],
    },
  },
  reporter_role: {
    de: 'Ihre Rolle', en: 'Your role',
    values: {
      affected: ['Ich war selbst betroffen', 'I was affected myself'],
      witness: ['Ich habe es beobachtet', 'I witnessed it'],
    },
  },
  perpetrator_role: {
    de: 'Von wem ging es aus?', en: 'Who was responsible?',
    values: {
      colleague: ['Kollegin oder Kollege', 'A colleague'],
      supervisor: ['Vorgesetzte Person', 'A supervisor'],
      citizen_client: ['Bürgerin, Bürger oder Kundschaft', 'A member of the public or a client'],
      procedure_structure: ['Ein Verfahren oder eine Regel (strukturell)', 'A procedure or rule (structural)'],
      unknown: ['Unbekannt', 'Unknown'],
    },
  },
  setting: {
    de: 'In welcher Situation?', en: 'In what setting?',
    values: {
      internal_employment: ['Intern, unter Beschäftigten', 'Internally, among staff'],
      public_contact: ['Im Kontakt mit der Öffentlichkeit', 'In contact with the public'],
      digital: ['Digital (E-Mail, Chat, soziale Medien)', 'Online (email, chat, social media)'],
    },
  },
  admin_area: {
    de: 'Verwaltungsbereich', en: 'Area of administration',
    values: {
      citizen_services_public_order: ['Bürgerdienste, öffentliche Ordnung', 'Citizen services, public order'],
      social_youth_migration: ['Soziales, Jugend, Migration', 'Social services, youth, migration'],
      education_childcare: ['Bildung, Kinderbetreuung', 'Education, childcare'],
      building_technical_environment: ['Bauen, Technik, Umwelt', 'Building, technical services, environment'],
      central_services: ['Zentrale Dienste (Personal, IT, Finanzen)', 'Central services (HR, IT, finance)'],
    },
  },
  consequences: {
    de: 'Welche Folgen hatte der Vorfall für Sie?', en: 'What consequences did the incident have for you?',
    values: {
      psychological_strain: ['Psychische Belastung', 'Psychological strain'],
      health_sick_leave: ['Gesundheitliche Folgen, Krankschreibung', 'Health effects, sick leave'],
      career_disadvantage: ['Berufliche Nachteile', 'Career disadvantage'],
      none: ['Keine Folgen', 'No consequences'],
    },
  },
  reported_further: {
    de: 'Haben Sie den Vorfall auch anderswo gemeldet?', en: 'Have you also reported the incident elsewhere?',
    values: {
      no: ['Nein', 'No'],
      internal: ['Ja, intern (zum Beispiel Personalrat, Vorgesetzte)', 'Yes, internally (for example staff council, supervisor)'],
      external_counselling: ['Ja, bei einer externen Beratungsstelle', 'Yes, to an external counselling service'],
      police: ['Ja, bei der Polizei', 'Yes, to the police'],
    },
  },
};

const DICT = { de, en };
let current = 'de';

export function lang() {
  return current;
}

export function t(key, vars = {}) {
  const s = DICT[current][key] ?? DICT.de[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

export function fieldLabel(name) {
  return TAXONOMY[name]?.[current] ?? name;
}

export function valueLabel(field, value) {
  const pair = TAXONOMY[field]?.values?.[value];
  return pair ? pair[current === 'de' ? 0 : 1] : value;
}

/** A YYYY-MM-DD date from the server, shown in the reader's language (the date is a day, no zone). */
export function formatDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso ?? '');
  if (!m) return iso ?? '';
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return new Intl.DateTimeFormat(current === 'de' ? 'de-DE' : 'en-GB', {
    day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC',
  }).format(d);
}

export function formatBytes(n) {
  const mib = n / (1024 * 1024);
  const num = mib >= 1 ? mib : n / 1024;
  const unit = mib >= 1 ? 'MB' : 'KB';
  const s = new Intl.NumberFormat(current === 'de' ? 'de-DE' : 'en-GB', { maximumFractionDigits: 1 }).format(num);
  return `${s} ${unit}`;
}

/** Sets the language, rewrites every [data-i18n] element and the document language. */
export function applyLanguage(l, root = document) {
  current = LANGS.includes(l) ? l : 'de';
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
}
