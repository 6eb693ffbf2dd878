// Lints Cypher statements with Neo4j's own front end (@neo4j-cypher/language-support, whose semantic analysis is
// compiled from Neo4j's Java parser). Input: a JSON file [{name, query, language}] (language: "CYPHER 5" or
// "CYPHER 25", the database default the statement runs under) plus {labels, relationshipTypes}. Output (stdout):
// JSON [{name, language, problems: [{severity: "error"|"warning", message}]}]. Exit code 1 when any statement
// has a problem, 2 on bad input. Undefined $parameters are not problems: the driver supplies them at run time.
//   node lint.mjs statements.json
import { readFileSync } from 'node:fs';
import { lintCypherQuery, isNotParamError } from '@neo4j-cypher/language-support';

const registry = JSON.parse(readFileSync(new URL('./registry.json', import.meta.url), 'utf8'));
const path = process.argv[2];
if (!path) {
  console.error('usage: node lint.mjs statements.json');
  process.exit(2);
}
const input = JSON.parse(readFileSync(path, 'utf8'));
const results = [];
let failed = false;
for (const stmt of input.statements) {
  const schema = {
    labels: input.labels,
    relationshipTypes: input.relationshipTypes,
    procedures: registry.procedures,
    functions: registry.functions,
    defaultLanguage: stmt.language,
  };
  const { diagnostics } = lintCypherQuery(stmt.query, schema);
  const problems = diagnostics.filter(isNotParamError).map((d) => ({
    severity: d.severity === 1 ? 'error' : 'warning',
    message: d.message,
  }));
  if (problems.length) failed = true;
  results.push({ name: stmt.name, language: stmt.language, problems });
}
process.stdout.write(JSON.stringify(results, null, 1) + '\n');
process.exit(failed ? 1 : 0);
