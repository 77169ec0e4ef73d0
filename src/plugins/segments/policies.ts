// The policy defaults and extension descriptions of segments, under Neutron's rule names and
// defaults (neutron/conf/policies/segment.py: admin only). A policy file overrides them.
import type { RuleDefault } from '../../api/policy/defaults.js';
import type { Extension } from '../../api/resource.js';

const rule = (name: string, check: string, description: string): RuleDefault => ({ name, check, description });

export const SEGMENT_RULES: readonly RuleDefault[] = [
  rule('create_segment', 'rule:admin_only', 'Create a segment.'),
  rule('get_segment', 'rule:admin_only', 'Show a segment.'),
  rule('update_segment', 'rule:admin_only', 'Update a segment.'),
  rule('delete_segment', 'rule:admin_only', 'Delete a segment.'),
];

export const SEGMENT_EXTENSIONS: Extension[] = [
  { alias: 'segment', name: 'Segment', description: 'Segments extension.', updated: '2016-02-24T17:00:00-00:00' },
  {
    alias: 'standard-attr-segment',
    name: 'Standard Attribute Segment Extension',
    description: 'Add standard attributes to Segment resource',
    updated: '2018-04-09T10:00:00-00:00',
  },
];
