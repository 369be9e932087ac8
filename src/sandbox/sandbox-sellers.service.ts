import { Injectable } from '@nestjs/common';
import { defaultSellers } from './sandbox-seed';
import { SandboxInputError, SandboxSeller, SandboxShop } from './sandbox.types';

/** Demo seller accounts and their shops, keyed by open_id, in creation order. */
@Injectable()
export class SandboxSellersService {
  private readonly sellers = new Map<string, SandboxSeller>();

  constructor() {
    this.reset();
  }

  reset(): void {
    this.sellers.clear();
    for (const seller of defaultSellers()) this.sellers.set(seller.open_id, seller);
  }

  list(): SandboxSeller[] {
    return [...this.sellers.values()].map(cloneSeller);
  }

  get(openId: string): SandboxSeller | undefined {
    const seller = this.sellers.get(openId);
    return seller ? cloneSeller(seller) : undefined;
  }

  /** Shop ids and ciphers are global at TikTok: another seller's shop cannot be claimed. */
  upsert(seller: SandboxSeller): SandboxSeller {
    const ids = new Set<string>();
    const ciphers = new Set<string>();
    for (const shop of seller.shops) {
      if (ids.has(shop.id)) throw new SandboxInputError(`duplicate shop id ${shop.id}`);
      if (ciphers.has(shop.cipher)) throw new SandboxInputError(`duplicate shop cipher for shop ${shop.id}`);
      ids.add(shop.id);
      ciphers.add(shop.cipher);
    }
    for (const other of this.sellers.values()) {
      if (other.open_id === seller.open_id) continue;
      for (const shop of other.shops) {
        if (ids.has(shop.id) || ciphers.has(shop.cipher)) {
          throw new SandboxInputError(`shop ${shop.id} already belongs to seller ${other.open_id}`, 409);
        }
      }
    }
    this.sellers.set(seller.open_id, cloneSeller(seller));
    return cloneSeller(seller);
  }
}

function cloneSeller(seller: SandboxSeller): SandboxSeller {
  return { ...seller, shops: seller.shops.map((shop: SandboxShop) => ({ ...shop })) };
}
