// Regenerates registry.json: the procedures WhoKnows may call (DECLARED below) and Neo4j's built-in functions,
// with the signatures the pinned @neo4j-cypher/language-support ships (dumped from a real Neo4j), plus the
// deprecations announced after that dump (OVERRIDES, each citing the Neo4j release). Run: node make_registry.mjs
import { writeFileSync } from 'node:fs';
import { testData } from '@neo4j-cypher/language-support';

const DECLARED = [
  'dbms.components',
  'db.awaitIndexes',
  'db.index.fulltext.queryNodes',
  'db.index.vector.queryNodes',
  // Graph Data Science (an optional plugin: graph/analytics/server.py uses it when present)
  'gds.version',
  'gds.betweenness.stream',
  'gds.pageRank.stream',
  'gds.louvain.stream',
  'gds.graph.drop',
];
// Functions of plugins (the built-in ones are all taken): GDS's projection aggregation and node lookup.
const DECLARED_FUNCTIONS = ['gds.graph.project', 'gds.util.asNode'];
// Neo4j 2026.04 deprecated db.index.vector.queryNodes in Cypher 25 in favour of the SEARCH clause.
const OVERRIDES = {
  'CYPHER 25': { 'db.index.vector.queryNodes': { deprecatedBy: 'the SEARCH clause (Neo4j 2026.04)' } },
};

const schema = testData.mockSchema;
const out = { procedures: {}, functions: {} };
for (const version of ['CYPHER 5', 'CYPHER 25']) {
  out.procedures[version] = {};
  for (const name of DECLARED) {
    const proc = schema.procedures[version][name];
    if (!proc) throw new Error(`${name} is not in ${version}`);
    const override = OVERRIDES[version]?.[name];
    out.procedures[version][name] = override
      ? { ...proc, deprecatedBy: override.deprecatedBy, option: { ...proc.option, deprecated: true } }
      : proc;
  }
  out.functions[version] = Object.fromEntries(
    Object.entries(schema.functions[version]).filter(([name, f]) => f.isBuiltIn || DECLARED_FUNCTIONS.includes(name)),
  );
}
writeFileSync(new URL('./registry.json', import.meta.url), JSON.stringify(out, null, 1) + '\n');
console.log(`registry.json: ${DECLARED.length} procedures, ${Object.keys(out.functions['CYPHER 5']).length} functions`);
