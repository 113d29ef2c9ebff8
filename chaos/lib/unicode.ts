/**
 * A string made well-formed the way Unicode recommends for UTF-16: every unpaired surrogate
 * becomes U+FFFD, pairs stay. Written out here (not String.prototype.toWellFormed, not the
 * product's helper) so the ground truth does not borrow the code it checks.
 */
export function replaceLoneSurrogates(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i] as string;
        out += s[i + 1] as string;
        i++;
      } else out += '\ufffd';
    } else if (c >= 0xdc00 && c <= 0xdfff) out += '\ufffd';
    else out += s[i] as string;
  }
  return out;
}

/** The first `maxBytes` UTF-8 bytes of an ASCII string (the generator's long lines are ASCII). */
export function cutAscii(s: string, maxBytes: number): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new Error('cutAscii: expected printable ASCII');
  return s.length > maxBytes ? s.slice(0, maxBytes) : s;
}
