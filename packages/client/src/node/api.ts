/** The core's file, folder and session calls with the Node transport filled in. */
import type { BoxFile, BoxFolder, FileMini, FolderMini } from '@tranche/protocol';
import * as core from '../core/index.js';
import { withNodeDefaults } from './defaults.js';

export const getFile = (fileId: string, options: core.ClientOptions): Promise<BoxFile> => core.getFile(fileId, withNodeDefaults(options));

export const listFolder = (folderId: string, options: core.ClientOptions & core.ListOptions): Promise<Array<FileMini | FolderMini>> =>
  core.listFolder(folderId, withNodeDefaults(options));

export const createFolder = (name: string, parentId: string, options: core.ClientOptions): Promise<BoxFolder> =>
  core.createFolder(name, parentId, withNodeDefaults(options));

export const abortSession = (sessionIdOrUrl: string, options: core.ClientOptions): Promise<void> =>
  core.abortSession(sessionIdOrUrl, withNodeDefaults(options));
