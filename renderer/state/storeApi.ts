// The zustand setters every slice creator receives: one type, so each slice file does not
// repeat the StoreApi lookups.
import type { StoreApi } from 'zustand';
import type { AppState } from './store.ts';

export type SetState = StoreApi<AppState>['setState'];
export type GetState = StoreApi<AppState>['getState'];
