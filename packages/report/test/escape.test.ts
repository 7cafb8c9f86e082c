import { describe, expect, it } from 'vitest';
import { escapeHtml, escapeMarkdown, jsonForScript } from '../src/escape.js';

describe('escapeHtml', () => {
  it('turns every character that could open a tag or end an attribute into an entity', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('jsonForScript', () => {
  const nasty = { name: '<script>alert(1)</script>', line: '</script><img src=x onerror=alert(1)>', c: '<!-- x -->', sep: 'a\u2028b' };

  it('leaves no "<" in the output, so neither </script> nor <!-- can end or change the script element', () => {
    const out = jsonForScript(nasty);
    expect(out).not.toContain('<');
    expect(out).not.toMatch(/<\/script/i);
  });

  it('still parses back to exactly the same value', () => {
    expect(JSON.parse(jsonForScript(nasty))).toEqual(nasty);
  });
});

describe('escapeMarkdown', () => {
  it('keeps a table row intact and shows HTML as text on GitHub', () => {
    expect(escapeMarkdown('a|b\n<script>')).toBe('a\\|b &lt;script&gt;');
  });
});
