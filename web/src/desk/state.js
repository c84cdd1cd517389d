// The desk's shared state: the one object S every view reads and writes (keys, token and
// decrypted data live here, in memory only), and the hooks through which the core calls a view.

export const SLUG = /^[a-z0-9-]{2,40}$/;

export const S = {
  gen: 0,            // bumped by lock(): work started before it must not render afterwards
  idleSecs: 900,
  pollSecs: 20,      // how often the inbox asks whether anything changed
  idleTimer: null,
  session: null,     // { office, identity, recipient, token, officer }
  relogin: null,
  office: null,      // the office's public description (recipients, key set, padding)
  inbox: null,       // the last inbox answer (filtered)
  allCases: null,    // every case (for the key-set count)
  filter: 'all',
  sortDir: 'asc',
  caseId: null,
  caseData: null,    // the open case, decrypted
  blobUrls: new Set(),
  invite: null,
  wantedOffice: null, // the office the desk's address names (?office=), chosen ahead at login
  loginOffices: [],  // the offices one can log in to: [{ slug, name, municipality }]
  backup: null,      // { armored, office } right after enrollment with a passphrase
  pendingFile: null, // a passphrase-protected key file waiting for its passphrase
  rewrapList: [],
  rewrapLabels: [],  // labels encrypted to an older key set: { id, name, keyset_version }
  rewrapErrors: [],
  view: null,
  officers: null,    // the office's active officers: [{ id, display_name }]
  labels: null,      // the office's labels, decrypted: [{ id, name, keyset_version, failed }]
  mine: false,       // inbox: only the cases assigned to me
  labelFilter: '',   // inbox: only the cases with this label
  labelEdit: null,   // { id, mode: 'rename' | 'delete' } while a label is being changed
  oral: null,        // { receipt, answer } while the receipt of an oral report is on screen
  index: null,       // the cases decrypted for titles and search (search.js)
  rewrapWorker: null, // the worker re-encrypting cases for the current key set (rewrap.js)
  search: '',        // inbox: the words searched for
  inboxRows: null,   // inbox: how many rows are drawn (inbox.js ROWS, and more on asking)
  currentQuarter: null, // statistics: the quarter running now { quarter, cases, contribute_from }
  inboxTag: null,    // the ETag of the last inbox answer, to ask whether anything changed
  pollGen: null,     // the generation whose inbox is being watched (inbox.js)
};

/**
 * Calls into a view from a module that does not import it (the core, or a view imported by the
 * one it calls), so no two modules import each other. main.js fills them in before anything runs.
 */
export const hooks = {
  showInbox: null,      // inbox.js: after unlocking (session.js); main.js adds the drafts' offer
  renderInbox: null,    // inbox.js: after a label changed (casework.js)
  openCase: null,       // case.js: after a classification was saved (classification.js)
  wipeOral: null,       // oral.js: on leaving the oral view and on lock (views.js, lock.js)
  showOral: null,       // oral.js: to restore an oral report's draft (drafts.js)
  renderAccounts: null, // unlock.js: on lock (lock.js)
  inboxLoaded: null,    // rewrap.js: the background re-encryption, once the inbox is there (inbox.js)
  prepareWorkers: null, // search.js: the next unlock's decrypting workers, started on lock (lock.js)
};
