import type { EntityManager } from 'typeorm';

/** The ids of an authorization's shops that are still granted. */
export async function activeShopIds(manager: EntityManager, authorizationId: string): Promise<string[]> {
  const rows = await manager.query<{ id: string }[]>(`SELECT id FROM shops WHERE authorization_id = $1 AND status = 'active' ORDER BY id`, [
    authorizationId,
  ]);
  return rows.map((row) => row.id);
}
