// tag_ports_during_bulk_creation ([ml2] extension_drivers): `tags` may be given when ports are
// made, one or many at a time, as Neutron's driver of the same name. They are the ports'
// standard tags (the /tags sub-resource and the tag filters see them); the driver only writes them.
import * as v from '../../../api/validators.js';
import { replaceTags } from '../../tags/tag-store.js';
import type { PortExtensionDriver } from './extension-driver.js';

export const tagPortsDuringBulkCreationDriver = (): PortExtensionDriver => ({
  name: 'tag_ports_during_bulk_creation',
  aliases: ['tag-ports-during-bulk-creation'],
  // replaces the read-only `tags` of ports, as neutron's tagging extension does for ports
  attributes: [{ name: 'tags', post: true, put: false, default: [], validate: v.list(v.string(255), { unique: true }), extension: 'standard-attr-tag' }],
  async afterCreate(trx, made) {
    for (const { row, item } of made) {
      const tags = item.tags as string[] | undefined;
      if (tags?.length) await replaceTags(trx, row.id, tags);
    }
  },
  // tags are shown with the standard attributes
  extend: () => () => {},
});
