/**
 * Who may be shown: the rules every view and feed applies, in SQL over the index, at read time.
 * Nothing is deleted when a rule hides a clip, so re-granting consent, lifting a block or negating a
 * label brings it back at once. Blocks, labels and the viewer's own mutes and preferences
 * (worker/moderation/) join consent and remix chains here, so no view can forget one.
 *
 * The rules fail closed: what cannot be evaluated hides. A remix is shown only when its whole chain,
 * up to a root clip, is in the index (deleted clips count through their tombstones in `clip_index`,
 * which keep author, parent, remix policy and cameos); a missing, unresolved or looping link, a
 * chain deeper than MAX_CHAIN or a root that is not the chain's own hides it.
 *
 * `c` is the clip, `a` its author's account row, unless named otherwise.
 */

const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

const follows = (follower: string, subject: string) =>
	`EXISTS (SELECT 1 FROM follows WHERE did = ${follower} AND subject = ${subject})`;

/**
 * Whether `x` and `y` block each other, either way (a block, or a block list one subscribes to that
 * holds the other). A block works both ways: neither sees, comments on, likes, remixes or features the other.
 */
export const blockedBetween = (x: string, y: string) =>
	`EXISTS (SELECT 1 FROM block_pairs bp WHERE (bp.did = ${x} AND bp.subject = ${y}) OR (bp.did = ${y} AND bp.subject = ${x}))`;

/** Whether a followed labeler has put a live !takedown or !hide on any of `subjects` (record URIs, account DIDs). */
export const hidingLabel = (...subjects: string[]) => `EXISTS (SELECT 1 FROM labels hl WHERE hl.uri IN (${subjects.join(', ')})
  AND hl.val IN ('!takedown', '!hide') AND hl.neg = 0 AND (hl.exp IS NULL OR hl.exp > ${NOW}))`;

/** The live labels on `subject`, as a JSON array of objects (see worker/views/labels-view.ts). */
export const labelsOn = (subject: string) => `(SELECT json_group_array(json_object('src', lv.src, 'uri', lv.uri, 'cid', lv.cid, 'val', lv.val, 'cts', lv.cts, 'exp', lv.exp))
  FROM labels lv WHERE lv.uri = ${subject} AND lv.neg = 0 AND (lv.exp IS NULL OR lv.exp > ${NOW}))`;

/** Whether person `person` has granted `author` the use of their likeness, now. */
export const consentAllows = (person: string, author: string) => `EXISTS (
  SELECT 1 FROM consents k WHERE k.did = ${person} AND (k.expires_at IS NULL OR k.expires_at > ${NOW}) AND (
    k.audience = 'everyone'
    OR (k.audience = 'listed' AND EXISTS (SELECT 1 FROM json_each(k.allowed) WHERE value = ${author}))
    OR (k.audience = 'followers' AND ${follows(author, person)})
    OR (k.audience = 'mutuals' AND ${follows(author, person)} AND ${follows(person, author)})))`;

/** Whether `person` has let `remixer` remix clips featuring them: consent covering them, remixes allowed. */
const remixConsentAllows = (person: string, remixer: string) =>
	`(${consentAllows(person, remixer)} AND EXISTS (SELECT 1 FROM consents rk WHERE rk.did = ${person} AND rk.allow_remix = 1))`;

/** Whether `remixer` may remix clip `p` under its remix policy. */
export const remixPolicyAllows = (p: string, remixer: string) => `(
  ${p}.did = ${remixer}
  OR ${p}.remix_policy = 'everyone'
  OR (${p}.remix_policy = 'followers' AND ${follows(remixer, `${p}.did`)})
  OR (${p}.remix_policy = 'mutuals' AND ${follows(remixer, `${p}.did`)} AND ${follows(`${p}.did`, remixer)}))`;

/** How many links of a remix chain are followed; a remix further down is hidden. */
export const MAX_CHAIN = 16;

/**
 * `up(uri, did, parent, depth)`: the chain from the clip `anchor` selects (depth 0) up through its
 * parents, tombstones included, at most MAX_CHAIN links. A loop only repeats until the limit.
 */
const chainFrom = (anchor: string) => `WITH RECURSIVE up(uri, did, parent, depth) AS (
    ${anchor}
    UNION ALL SELECT k.uri, k.did, k.parent_uri, up.depth + 1 FROM clip_index k JOIN up ON k.uri = up.parent WHERE up.depth < ${MAX_CHAIN})`;

const chainAbove = (c: string) => chainFrom(`SELECT ${c}.uri, ${c}.did, ${c}.parent_uri, 0`);

/**
 * Why `remixer` may not remix the clip at depth 0 of `chain`: one row (kind, who, policy) per author
 * or person featured up the chain with whom they block each other ('block'), per clip up
 * the chain whose remix policy excludes them ('policy', who = that clip's author) and per person
 * featured up the chain who has not let them remix ('consent', who = that person). A remix reuses
 * the likeness of everyone featured above it, whether or not it names them again.
 */
const remixRefusals = (chain: string, remixer: string) => `${chain}
  SELECT 'block' AS kind, up.did AS who, NULL AS policy FROM up WHERE up.did != ${remixer} AND ${blockedBetween('up.did', remixer)}
  UNION ALL
  SELECT 'block', bc.did, NULL FROM up JOIN cameos bc ON bc.clip_uri = up.uri WHERE bc.did != ${remixer} AND ${blockedBetween('bc.did', remixer)}
  UNION ALL
  SELECT 'policy', hc.did, hc.remix_policy FROM up JOIN clip_index hc ON hc.uri = up.uri
   WHERE NOT ${remixPolicyAllows('hc', remixer)}
  UNION ALL
  SELECT 'consent', pc.did, NULL FROM up JOIN cameos pc ON pc.clip_uri = up.uri
   WHERE pc.did != ${remixer} AND pc.did != up.did AND NOT ${remixConsentAllows('pc.did', remixer)}`;

/** The refusals (see remixRefusals) for `remixer` remixing the live clip `?uri`, as rows. */
export const remixRefusalsOf = (uri: string, remixer: string) =>
	remixRefusals(chainFrom(`SELECT uri, did, parent_uri, 0 FROM clips WHERE uri = ${uri}`), remixer);

/** Why `remixer` may not remix clip `p`: the kind of the first refusal (see remixRefusals), NULL when they may. */
export const remixRefusal = (p: string, remixer: string) => `(SELECT kind FROM (${remixRefusals(chainAbove(p), remixer)}) LIMIT 1)`;

/**
 * The rules clip `c` (author account row `a`) must pass to be shown, each named by what failing it
 * means. No followed labeler has taken it or its author down. Every cameo (other than the author)
 * consents, and nobody featured or up its remix chain is in a block with an author below them. A remix has a whole chain; every clip in it
 * was allowed by the remix policy of every clip above it (so a policy holds all the way down); and
 * everyone featured up the chain lets each remixer below them remix them (and, in their own clip,
 * consented to its author).
 */
const rules = (c: string, a: string) => ({
	authorInactive: `${a}.active = 1`,
	takenDown: `NOT ${hidingLabel(`${c}.uri`, `${c}.did`)}`,
	cameoConsent: `NOT EXISTS (SELECT 1 FROM cameos cm WHERE cm.clip_uri = ${c}.uri AND cm.did != ${c}.did AND NOT ${consentAllows('cm.did', `${c}.did`)})`,
	blocked: `(NOT EXISTS (SELECT 1 FROM cameos cb WHERE cb.clip_uri = ${c}.uri AND cb.did != ${c}.did AND ${blockedBetween('cb.did', `${c}.did`)})
	  AND (${c}.parent_uri IS NULL OR NOT EXISTS (${chainAbove(c)}
	  SELECT 1 FROM up lo JOIN up hi ON hi.depth > lo.depth
	   WHERE (hi.did != lo.did AND ${blockedBetween('hi.did', 'lo.did')})
	      OR EXISTS (SELECT 1 FROM cameos hb WHERE hb.clip_uri = hi.uri AND hb.did != lo.did AND ${blockedBetween('hb.did', 'lo.did')}))))`,
	brokenChain: `(${c}.parent_uri IS NULL OR EXISTS (${chainAbove(c)}
	  SELECT 1 FROM up WHERE up.parent IS NULL AND up.uri = ${c}.root_uri))`,
	remixNotAllowed: `(${c}.parent_uri IS NULL OR NOT EXISTS (${chainAbove(c)}
	  SELECT 1 FROM up lo JOIN up hi ON hi.depth > lo.depth JOIN clip_index hc ON hc.uri = hi.uri WHERE NOT ${remixPolicyAllows('hc', 'lo.did')}))`,
	remixConsent: `(${c}.parent_uri IS NULL OR NOT EXISTS (${chainAbove(c)}
	  SELECT 1 FROM up lo JOIN up hi ON hi.depth >= lo.depth AND hi.depth > 0 JOIN cameos pc ON pc.clip_uri = hi.uri
	   WHERE pc.did != lo.did AND pc.did != hi.did
	     AND NOT (CASE WHEN hi.depth = lo.depth THEN ${consentAllows('pc.did', 'lo.did')} ELSE ${remixConsentAllows('pc.did', 'lo.did')} END)))`,
});

const visibleAs = (c: string, a: string) => Object.values(rules(c, a)).join('\n  AND ');
const RULES = rules('c', 'a');

export const VISIBLE = visibleAs('c', 'a');

/**
 * What viewer `viewer` (a bound parameter, NULL when anonymous) is shown of clip `c`: no adult-labelled
 * clip unless they turned adult content on, nothing by someone with whom they block each other; with
 * `muted`, nothing by someone they muted or matching a word they muted (feeds; a clip asked for by
 * URI or on its author's page still shows).
 */
export const viewerSees = (c: string, viewer: string, muted = false) => `(${adultAllowed(c, viewer)} AND (${viewer} IS NULL OR (NOT ${blockedBetween(`${c}.did`, viewer)}${muted ? `
  AND NOT ${mutedBy(`${c}.did`, viewer)}
  AND NOT EXISTS (SELECT 1 FROM muted_words mw WHERE mw.did = ${viewer} AND instr(${searchableText(c)}, mw.word) > 0)` : ''})))`;

/** The labels that need a viewer's consent to adult content, from a followed labeler or the author's own record. */
const ADULT = `('porn', 'sexual', 'nudity')`;

/** Whether clip `c` carries an adult label, from a followed labeler or the author's own record. */
export const adultLabelled = (c: string) => `(EXISTS (SELECT 1 FROM labels al WHERE al.uri IN (${c}.uri, ${c}.did) AND al.val IN ${ADULT} AND al.neg = 0 AND (al.exp IS NULL OR al.exp > ${NOW}))
       OR EXISTS (SELECT 1 FROM json_each(${c}.record, '$.labels.values') sl WHERE json_extract(sl.value, '$.val') IN ${ADULT}))`;

/** Whether clip `c` carries no adult label, or `viewer` has turned adult content on (never anonymous viewers). */
const adultAllowed = (c: string, viewer: string) => `(
  NOT ${adultLabelled(c)}
  OR EXISTS (SELECT 1 FROM preferences pf WHERE pf.did = ${viewer} AND pf.adult_content = 1))`;

export const mutedBy = (author: string, viewer: string) => `EXISTS (SELECT 1 FROM mutes mu WHERE mu.did = ${viewer} AND mu.subject = ${author})`;

/**
 * Whether comment `m` is shown to `viewer` (bound, NULL when anonymous): to nobody when a followed
 * labeler hides it or its author, or when its author and the clip's author, or the author of the
 * comment it replies under, block each other; not to a
 * viewer who blocks or is blocked by its author, or has muted them.
 */
export const commentShown = (m: string, viewer: string) => `(
  NOT ${hidingLabel(`${m}.uri`, `${m}.did`)}
  AND NOT EXISTS (SELECT 1 FROM clip_index sc WHERE sc.uri = ${m}.subject_uri AND ${blockedBetween(`${m}.did`, 'sc.did')})
  AND NOT EXISTS (SELECT 1 FROM comments tc WHERE tc.uri = ${m}.thread_uri AND ${blockedBetween(`${m}.did`, 'tc.did')})
  AND (${viewer} IS NULL OR NOT (${blockedBetween(`${m}.did`, viewer)} OR ${mutedBy(`${m}.did`, viewer)})))`;

/** A clip's caption, prompt and tags, lower-cased, where muted words are looked for. */
const searchableText = (c: string) =>
	`lower(COALESCE(json_extract(${c}.record, '$.caption'), '') || ' ' || COALESCE(json_extract(${c}.record, '$.prompt'), '') || ' '
	  || COALESCE((SELECT group_concat(t.value, ' ') FROM json_each(${c}.record, '$.tags') t), ''))`;

/**
 * Counts count people: one account writing more records does not move them, nor can someone the
 * author blocks (or who blocks them). Kept at write by triggers (migration 0016_kept_counts), so a
 * read is one lookup however many likes a clip has.
 */
export const LIKERS = (c: string) => `COALESCE((SELECT kl.likers FROM subject_counts kl WHERE kl.uri = ${c}.uri), 0)`;
export const COMMENTERS = (c: string) => `COALESCE((SELECT km.commenters FROM subject_counts km WHERE km.uri = ${c}.uri), 0)`;

/** How many people have a remix of clip `c` shown: a hidden remix neither counts nor boosts its parent. */
export const visibleRemixCount = (c: string) =>
	`(SELECT COUNT(DISTINCT r.did) FROM clips r JOIN actors ra ON ra.did = r.did WHERE r.parent_uri = ${c}.uri AND ${visibleAs('r', 'ra')})`;

/**
 * Whether the video blob `cid` may be public on our video host: no clip using it (or, given `author`,
 * none of that author's) is hidden. A clip that shares the blob of a hidden one must not open its
 * bytes up; the visible one still plays, from its author's own PDS.
 */
export const videoShown = (cid: string, author?: string) =>
	`NOT EXISTS (SELECT 1 FROM clips vc JOIN actors va ON va.did = vc.did
	  WHERE vc.video_cid = ${cid}${author ? ` AND vc.did = ${author}` : ''} AND NOT (${visibleAs('vc', 'va')}))`;

/**
 * Why clip `c` is hidden, told to `person` (someone it features): the first rule it fails, or NULL
 * when it is shown (exactly when VISIBLE holds). A failed cameo consent is the person's own
 * (`noConsent`, `expired`, `audience`) when their consent is among those missing, else `otherCameo`.
 */
export const hiddenReason = (person: string) => `CASE
  WHEN NOT (${RULES.authorInactive}) THEN 'authorInactive'
  WHEN NOT (${RULES.takenDown}) THEN 'takenDown'
  WHEN c.did != ${person} AND EXISTS (SELECT 1 FROM cameos WHERE clip_uri = c.uri AND did = ${person}) AND NOT ${consentAllows(person, 'c.did')}
    THEN COALESCE((SELECT CASE WHEN own.expires_at IS NOT NULL AND own.expires_at <= ${NOW} THEN 'expired' ELSE 'audience' END
                   FROM consents own WHERE own.did = ${person}), 'noConsent')
  WHEN NOT (${RULES.cameoConsent}) THEN 'otherCameo'
  WHEN NOT (${RULES.blocked}) THEN 'blocked'
  WHEN NOT (${RULES.brokenChain}) THEN 'brokenChain'
  WHEN NOT (${RULES.remixNotAllowed}) THEN 'remixNotAllowed'
  WHEN NOT (${RULES.remixConsent}) THEN 'remixConsent'
END`;
