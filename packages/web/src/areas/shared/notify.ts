/** A notification whose close button has a name (Mantine's has none: axe's button-name). */
import { notifications } from '@mantine/notifications';

export function notify(color: 'green' | 'red' | 'yellow', title: string, message: string): void {
  notifications.show({ color, title, message, closeButtonProps: { 'aria-label': 'Dismiss' }, styles: { description: { color: 'var(--mantine-color-text)' } } });
}
