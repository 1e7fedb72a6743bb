/**
 * Who may be shown: the rules every view and feed applies, in SQL over the index, at read time.
 * Nothing is deleted when a rule hides a clip, so re-granting consent brings it back at once.
 *
 * `c` is the clip, `a` its author's account row.
 */

const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

const follows = (follower: string, subject: string) =>
	`EXISTS (SELECT 1 FROM follows WHERE did = ${follower} AND subject = ${subject})`;

/** Whether person `person` has granted `author` the use of their likeness, now. */
export const consentAllows = (person: string, author: string) => `EXISTS (
  SELECT 1 FROM consents k WHERE k.did = ${person} AND (k.expires_at IS NULL OR k.expires_at > ${NOW}) AND (
    k.audience = 'everyone'
    OR (k.audience = 'listed' AND EXISTS (SELECT 1 FROM json_each(k.allowed) WHERE value = ${author}))
    OR (k.audience = 'followers' AND ${follows(author, person)})
    OR (k.audience = 'mutuals' AND ${follows(author, person)} AND ${follows(person, author)})))`;

/** Whether `remixer` may remix clip `p` under its remix policy. */
export const remixPolicyAllows = (p: string, remixer: string) => `(
  ${p}.did = ${remixer}
  OR ${p}.remix_policy = 'everyone'
  OR (${p}.remix_policy = 'followers' AND ${follows(remixer, `${p}.did`)})
  OR (${p}.remix_policy = 'mutuals' AND ${follows(remixer, `${p}.did`)} AND ${follows(`${p}.did`, remixer)}))`;

/** Every cameo (other than the author) consents; a remix respects its parent's policy and its parent's cameos. */
export const VISIBLE = `a.active = 1
  AND NOT EXISTS (SELECT 1 FROM cameos cm WHERE cm.clip_uri = c.uri AND cm.did != c.did AND NOT ${consentAllows('cm.did', 'c.did')})
  AND NOT EXISTS (SELECT 1 FROM clips p WHERE p.uri = c.parent_uri AND (
    NOT ${remixPolicyAllows('p', 'c.did')}
    OR EXISTS (SELECT 1 FROM cameos pc JOIN consents pk ON pk.did = pc.did
               WHERE pc.clip_uri = p.uri AND pc.did != c.did AND pk.allow_remix = 0)))`;
