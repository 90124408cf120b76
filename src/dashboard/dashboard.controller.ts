import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceConfig } from '../config/service-config.js';
import { notFound } from '../common/http-error.js';

/** The built page: index.html and the stylesheet are copied here, the compiled client lands here. */
const PUBLIC_DIR = join(import.meta.dirname, 'public');

// A name, never a path: nothing outside PUBLIC_DIR can be asked for.
const ASSET = /^[a-z][a-z0-9-]*\.(js|css)$/;

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

// The page loads nothing from elsewhere (servers running hookdeploy are often offline),
// so the policy can forbid everything else, inline script included.
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/** The dashboard: a static page that talks to the API. Off, like the API, without ADMIN_TOKEN. */
@Controller()
export class DashboardController {
  private readonly enabled: boolean;
  private readonly files = new Map<string, Buffer>();

  constructor(@Inject(ConfigService) config: ConfigService<ServiceConfig, true>) {
    this.enabled = config.get('adminToken', { infer: true }) !== undefined;
  }

  @Get()
  async page(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.send('index.html', req, res);
  }

  @Get('dashboard/:file')
  async asset(@Param('file') file: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (!ASSET.test(file)) throw notFound(req);
    await this.send(file, req, res);
  }

  private async send(file: string, req: Request, res: Response): Promise<void> {
    if (!this.enabled) throw notFound(req);
    let content = this.files.get(file);
    if (!content) {
      content = await readFile(join(PUBLIC_DIR, file)).catch(() => undefined);
      if (!content) throw notFound(req);
      this.files.set(file, content);
    }
    res.set({ ...SECURITY_HEADERS, 'Content-Type': CONTENT_TYPES[file.split('.').pop()!]! }).send(content);
  }
}
