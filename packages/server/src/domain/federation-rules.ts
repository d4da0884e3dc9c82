// What a federation rule may say, checked once at creation: the audience it requires, a subject pattern that
// constrains more than the audience, and further claims. Globs: `*` matches any run of characters, nothing else
// is special.

/** True when `value` matches `pattern` entirely. */
export function globMatches(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&')).join('.*')}$`, 's');
  return re.test(value);
}

/** Subjects that are legal but usually a mistake, with why. */
export function subjectWarnings(subject: string, claims: Record<string, string>): string[] {
  const warnings: string[] = [];
  if (/^system:serviceaccount:[^:]*:default$/.test(subject) || (subject.startsWith('system:serviceaccount:') && subject.endsWith(':*'))) {
    warnings.push("The subject matches a Kubernetes namespace's default service account, which every pod in that namespace runs as unless it names another: create a service account for this workload.");
  }
  if (/^repo:.*:pull_request$/.test(subject) || subject.endsWith(':*') && subject.startsWith('repo:')) {
    warnings.push('The subject matches GitHub pull_request runs, which also run code from forks and unreviewed branches: match an environment or a protected ref (e.g. repo:ORG/REPO:environment:production or :ref:refs/heads/main).');
  }
  if (subject.includes('*') && Object.keys(claims).length === 0) {
    warnings.push('The subject is a glob and no further claim is required: check that nobody else can obtain a token whose subject matches it.');
  }
  return warnings;
}

/** Why a subject pattern is refused, or undefined: it must constrain more than the audience. */
export function subjectProblem(subject: string): string | undefined {
  if (subject.trim() === '') return 'The subject must not be empty.';
  if (/^\**$/.test(subject)) return 'A bare "*" subject matches every workload of the issuer: name the subject (exact, or a glob with a fixed part).';
  if (subject.replace(/\*/g, '').length < 3) return 'The subject pattern has almost no fixed part: name the subject more exactly.';
  return undefined;
}
