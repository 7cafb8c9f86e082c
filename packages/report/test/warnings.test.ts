import { WarningCode } from '@kvbench/schemas';
import { describe, expect, it } from 'vitest';
import { WARNING_EXPLANATIONS, groupWarnings } from '../src/warnings.js';

describe('warning explanations', () => {
  it('explain every warning code the results schema knows, each in one sentence', () => {
    for (const code of WarningCode.options) {
      const e = WARNING_EXPLANATIONS[code];
      expect(e.meaning, code).toMatch(/^[A-Z].*\.$/);
      expect(e.meaning.split(/\.\s/).length, code).toBe(1);
    }
  });
});

describe('groupWarnings', () => {
  const warnings = [
    { code: 'short-step' as const, message: 'short', server: 'go', step: '1k', repeat: 0 },
    { code: 'server-crashed' as const, message: 'crashed', server: 'ts', step: '10k', repeat: 0 },
    { code: 'short-step' as const, message: 'short', server: 'go', step: '1k', repeat: 1 },
    { code: 'short-step' as const, message: 'shorter', server: 'rust', step: '1k', repeat: 0 },
    { code: 'interrupted' as const, message: 'Ctrl-C' },
  ];

  it('puts what invalidates numbers before what only qualifies them', () => {
    expect(groupWarnings(warnings).map((g) => g.code)).toEqual(['server-crashed', 'interrupted', 'short-step']);
  });

  it('says where each warning happened, counting repeats', () => {
    const short = groupWarnings(warnings, ['1k', '10k']).find((g) => g.code === 'short-step')!;
    expect(short.where).toBe('go: 1k ×2 · rust: 1k');
    expect(short.messages).toEqual(['short', 'shorter']);
    expect(short.entries.map((e) => e.at)).toEqual(['go · 1k #0', 'go · 1k #1', 'rust · 1k #0']);
    expect(groupWarnings(warnings).find((g) => g.code === 'interrupted')!.where).toBe('whole run');
  });
});
