/**
 * Who may be shown: the rules every view and feed applies, in SQL over the index, at read time.
 * Nothing is deleted when a rule hides a clip, so re-granting consent brings it back at once.
 *
 * `c` is the clip, `a` its author's account row, unless named otherwise.
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

/** How far along a remix chain the likeness of featured people is followed. */
export const MAX_CHAIN = 16;

/**
 * The clips whose likenesses a remix of clip `p` reuses: `p`, its ancestors (up to MAX_CHAIN), and
 * its chain's root (named even where a deleted clip breaks the chain).
 */
const chainOf = (p: string) => `
	WITH RECURSIVE up(uri, parent, depth) AS (
	  SELECT ${p}.uri, ${p}.parent_uri, 0
	  UNION SELECT k.uri, k.parent_uri, up.depth + 1 FROM clips k JOIN up ON k.uri = up.parent WHERE up.depth < ${MAX_CHAIN})
	SELECT uri FROM up UNION SELECT ${p}.root_uri`;

/**
 * FROM … WHERE over the people featured in clip `p` or up its remix chain (`pc`, other than
 * `remixer` and the featuring clip's author) who have not let `remixer` remix them: their consent
 * must be current, include `remixer` in its audience, and allow remixes. A remix reuses their
 * likeness even when it does not name them again, so a revoked or narrowed consent hides it too.
 */
export const remixForbiddenBy = (p: string, remixer: string) =>
	`cameos pc JOIN clips fc ON fc.uri = pc.clip_uri
	 WHERE pc.clip_uri IN (${chainOf(p)}) AND pc.did != ${remixer} AND pc.did != fc.did
	   AND NOT (${consentAllows('pc.did', remixer)} AND EXISTS (SELECT 1 FROM consents rk WHERE rk.did = pc.did AND rk.allow_remix = 1))`;

/** Whether `remixer` may remix clip `p`: its remix policy, and everyone featured in it or up its chain lets them. */
export const remixAllows = (p: string, remixer: string) =>
	`(${remixPolicyAllows(p, remixer)} AND NOT EXISTS (SELECT 1 FROM ${remixForbiddenBy(p, remixer)}))`;

/**
 * The rules clip `c` (author account row `a`) must pass to be shown, each named by what failing it
 * means. Every cameo (other than the author) consents; a remix respects its parent's policy and the
 * consent of everyone featured up its chain.
 */
const rules = (c: string, a: string) => ({
	authorInactive: `${a}.active = 1`,
	cameoConsent: `NOT EXISTS (SELECT 1 FROM cameos cm WHERE cm.clip_uri = ${c}.uri AND cm.did != ${c}.did AND NOT ${consentAllows('cm.did', `${c}.did`)})`,
	remixNotAllowed: `NOT EXISTS (SELECT 1 FROM clips p WHERE p.uri = ${c}.parent_uri AND NOT ${remixPolicyAllows('p', `${c}.did`)})`,
	remixConsent: `NOT EXISTS (SELECT 1 FROM clips p WHERE p.uri = ${c}.parent_uri AND EXISTS (SELECT 1 FROM ${remixForbiddenBy('p', `${c}.did`)}))`,
});

const visibleAs = (c: string, a: string) => Object.values(rules(c, a)).join('\n  AND ');
const RULES = rules('c', 'a');

export const VISIBLE = visibleAs('c', 'a');

/** How many remixes of clip `c` are shown: a hidden remix neither counts nor boosts its parent. */
export const visibleRemixCount = (c: string) =>
	`(SELECT COUNT(*) FROM clips r JOIN actors ra ON ra.did = r.did WHERE r.parent_uri = ${c}.uri AND ${visibleAs('r', 'ra')})`;

/**
 * Why clip `c` is hidden, told to `person` (someone it features): the first rule it fails, or NULL
 * when it is shown (exactly when VISIBLE holds). A failed cameo consent is the person's own
 * (`noConsent`, `expired`, `audience`) when their consent is among those missing, else `otherCameo`.
 */
export const hiddenReason = (person: string) => `CASE
  WHEN NOT (${RULES.authorInactive}) THEN 'authorInactive'
  WHEN c.did != ${person} AND EXISTS (SELECT 1 FROM cameos WHERE clip_uri = c.uri AND did = ${person}) AND NOT ${consentAllows(person, 'c.did')}
    THEN COALESCE((SELECT CASE WHEN own.expires_at IS NOT NULL AND own.expires_at <= ${NOW} THEN 'expired' ELSE 'audience' END
                   FROM consents own WHERE own.did = ${person}), 'noConsent')
  WHEN NOT (${RULES.cameoConsent}) THEN 'otherCameo'
  WHEN NOT (${RULES.remixNotAllowed}) THEN 'remixNotAllowed'
  WHEN NOT (${RULES.remixConsent}) THEN 'remixConsent'
END`;
