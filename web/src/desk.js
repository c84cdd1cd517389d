// The complaint officers' desk (desk.html): enrollment from an invitation, unlock, inbox, one
// case, re-encryption to a new key set. Keys, the bearer token and every decrypted byte live in
// these modules' memory only; "Lock" and the idle timer drop them and clear the page. The only
// thing written to the device is the list of accounts (desk/keys.js), none of it secret.
// The code is in desk/: a small core and one module per view; desk/main.js starts it.
import './desk/main.js';
