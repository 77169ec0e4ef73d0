// The attributes every standard-attr resource shows, from its row.
export interface StandardRow {
  project_id: string;
  description: string;
  created_at: string;
  updated_at: string;
  revision_number: number;
}

export function standardAttributes(r: StandardRow, tags: string[] | undefined) {
  return {
    tenant_id: r.project_id,
    project_id: r.project_id,
    description: r.description,
    ...(tags === undefined ? {} : { tags }),
    created_at: r.created_at,
    updated_at: r.updated_at,
    revision_number: Number(r.revision_number),
  };
}
